"""Live options are validated settings: QUEUEBOARD["LIVE"] (and the older QUEUEBOARD_LIVE) are
read by ``manage.py check``, so a misspelt name or a wrong value is a system-check error, not a
failure at the first WebSocket; the change feeds get what they need of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks

from queues.backends.changes import FeedOptions
from queues.live.options import LiveOptions, feed_options, live_options


def live_errors() -> list[str]:
    return [m.msg for m in run_checks(tags=["queueboard"]) if m.id == "queueboard.E201"]


def test_a_misspelt_option_is_a_check_error_naming_the_option_meant(settings: Any) -> None:
    settings.QUEUEBOARD = {"LIVE": {"BLOK": 2, "READ_COUNT": 100}}
    (message,) = live_errors()
    assert 'QUEUEBOARD["LIVE"]' in message and "BLOK (did you mean BLOCK?)" in message
    assert "READ_COUNT" in message  # among the known names


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"BLOCK": "1s"}, "'BLOCK'] must be a number of seconds above 0, not '1s'"),
        ({"BLOCK": 0}, "'BLOCK'] must be a number of seconds above 0"),
        ({"RESYNC": float("inf")}, "'RESYNC'] must be a number of seconds"),
        ({"POLL": True}, "'POLL'] must be a number of seconds"),
        ({"READ_COUNT": 0}, "'READ_COUNT'] must be a whole number from 1, not 0"),
        ({"MAX_ROWS": 2.5}, "'MAX_ROWS'] must be a whole number from 1"),
        ({"FLUSH_INTERVAL": -1}, "'FLUSH_INTERVAL'] must be a number of seconds 0 or more"),
    ],
)
def test_a_wrong_value_is_a_check_error(settings: Any, options: dict[str, Any], said: str) -> None:
    settings.QUEUEBOARD = {"LIVE": options}
    (message,) = live_errors()
    assert said in message


def test_live_must_be_a_dict(settings: Any) -> None:
    settings.QUEUEBOARD = {"LIVE": ["BLOCK", 1]}
    (message,) = live_errors()
    assert 'QUEUEBOARD["LIVE"] must be a dict, not list' in message


def test_good_options_pass_and_reach_the_feeds(settings: Any) -> None:
    settings.QUEUEBOARD_LIVE = {"BLOCK": 3, "POLL": 4}
    settings.QUEUEBOARD = {"LIVE": {"BLOCK": 0.5, "READ_COUNT": 50, "FLUSH_INTERVAL": 0}}
    assert live_errors() == []
    options = live_options()
    assert (options.block, options.poll, options.read_count) == (0.5, 4, 50)  # LIVE wins
    assert feed_options(options) == FeedOptions(
        block=0.5, flush_interval=0, resync=5.0, poll=4, read_count=50
    )


def test_no_options_are_the_defaults(settings: Any) -> None:
    settings.QUEUEBOARD = {}
    del settings.QUEUEBOARD_LIVE
    assert live_errors() == []
    assert live_options() == LiveOptions()
