"""Display filters of the job lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone

from queues.templatetags.queueboard import clip


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    assert clip("exactly10!", 10) == "exactly10!"
    assert clip("eleven chars", 10) == "eleven ch\u2026"
    assert len(clip("x" * 500, 40)) == 40
    assert clip(12345, 3) == "12\u2026"


def test_clipped_values_are_still_escaped() -> None:
    template = engines["django"].from_string("{% load queueboard %}{{ value|clip:8 }}")
    assert template.render({"value": "<script>alert(1)</script>"}) == "&lt;script\u2026"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 7, 14, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 12, 31, 12, 0, tzinfo=UTC),
    ],
)
def test_iso_and_stamp_match_djangos_date_filter(moment: datetime, zone: str) -> None:
    template = engines["django"].from_string(
        "{% load queueboard %}{{ t|iso }}|{{ t|date:'c' }}|"
        "{{ t|stamp }}|{{ t|date:'Y-m-d H:i:s T' }}"
    )
    with timezone.override(zone):
        iso, django_iso, stamp, django_stamp = template.render({"t": moment}).split("|")
    assert iso == django_iso
    assert stamp == django_stamp


def test_iso_and_stamp_of_nothing_are_empty() -> None:
    template = engines["django"].from_string("{% load queueboard %}[{{ t|iso }}{{ t|stamp }}]")
    assert template.render({"t": None}) == "[]"
