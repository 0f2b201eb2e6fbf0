"""The limits and server panels' durations."""

from __future__ import annotations

import pytest

from queues.templatetags.queueboard_operations import milliseconds, seconds_span


@pytest.mark.parametrize(
    ("ms", "text"),
    [(250, "250 ms"), (1500, "1.5 s"), (60_000, "1 min"), (90_000, "1 min 30 s"),
     (3_600_000, "1 h"), (None, "?"), ("x", "?")],
)  # fmt: skip
def test_milliseconds(ms: object, text: str) -> None:
    assert milliseconds(ms) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (59, "59 seconds"), (3720, "1 h 2 min"), (93_784, "1 d 2 h")],
)
def test_seconds_span(seconds: int, text: str) -> None:
    assert seconds_span(seconds) == text
