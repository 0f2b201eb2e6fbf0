"""The schedules table's rows built in Python: the same links as ``reverse``, every value from
the producer escaped, the moments in the form time.js reads, the countdown's first text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from queues.backends.schedule_types import Schedule, ScheduleState
from queues.schedule_rows import schedule_rows

ODD_IDS = ["plain", "a:b:c", "tenant/7 <b>x</b>", "100%/é", "bidi\u202egnp.exe", "q?x#y&z"]


def make(sid: str, queue: str = "q/<i>", **fields: object) -> Schedule:
    values: dict[str, object] = {
        "backend": "bullmq", "queue": queue, "id": sid, "job_name": "<script>n</script>",
        "pattern": "0 9 * * <1>", "every": None, "tz": "Europe/<Paris>",
        "description": "At <09:00>", "next_run_at": timezone.now() + timedelta(minutes=5),
        "state": ScheduleState.SCHEDULED, "iterations": 3, "limit": 10,
        "end_at": datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        "problems": ("bad <data>",),
    }  # fmt: skip
    values.update(fields)
    return Schedule(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("sid", ODD_IDS)
def test_links_are_those_of_reverse(sid: str) -> None:
    html = schedule_rows([make(sid)], show_queue=True)
    from html import escape

    assert f'href="{escape(reverse("queues:schedule", args=["bullmq", "q/<i>", sid]))}"' in html
    assert f'href="{escape(reverse("queues:queue", args=["bullmq", "q/<i>"]))}"' in html


def test_everything_from_the_producer_is_escaped() -> None:
    html = schedule_rows([make("tenant/7 <b>x</b>"), make("bidi\u202egnp.exe")], True)
    for raw in ("<b>", "<script>", "<i>", "<1>", "<Paris>", "<09:00>", "<data>", "\u202e"):
        assert raw not in html
    assert "&lt;script&gt;n&lt;/script&gt;" in html and "qb-invisible" in html
    assert 'title="bad &lt;data&gt;"' in html


def test_moments_and_countdown() -> None:
    html = schedule_rows([make("x")], show_queue=False)
    assert 'datetime="2030-01-02T03:04:05.678Z"' in html
    assert ">2030-01-02 03:04:05 UTC</time>" in html
    assert 'data-qb-age-mode="due">in 4 min 59 s</span>' in html or "in 5 min<" in html
    assert '<td data-label="Queue">' not in html
    assert ">3 / 10</td>" in html
    late = schedule_rows([make("x", next_run_at=timezone.now() - timedelta(hours=2))], False)
    assert ">overdue by 2 h</span>" in late


def test_a_finished_schedule_is_not_overdue() -> None:
    moment = timezone.now() - timedelta(hours=2)
    html = schedule_rows([make("x", next_run_at=moment, state=ScheduleState.FINISHED)], False)
    assert 'data-qb-age-mode="age">2 h ago</span>' in html and "overdue" not in html
