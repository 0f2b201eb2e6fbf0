"""A job list's rows are rendered once per what they show, and drawn again when any of it
changes: the job, the list, the language, the relative ages."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone, translation

from queues import fragments
from queues.backends.types import JobSummary, Payload
from queues.states import JobState
from queues.templatetags.queueboard_job import relative

CREATED = timezone.now() - timedelta(hours=2)


def job(**changes: object) -> JobSummary:
    base = JobSummary(
        backend="bullmq",
        queue="emails",
        id="42",
        state=JobState.FAILED,
        name="send",
        data=Payload.from_stored('{"to": "a@example.com"}'),
        progress=Payload.from_stored("30"),
        attempts_made=1,
        attempts_allowed=3,
        created_at=CREATED,
        failed_reason="timed out",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def row(shown: JobSummary, state: JobState = JobState.FAILED, chars: int = 60) -> str:
    return fragments.job_row(shown, state, chars)


def test_a_row_is_the_templates_and_is_rendered_once() -> None:
    first = row(job())
    context = {"job": job(), "state": JobState.FAILED, "preview_chars": 60}
    assert first == render_to_string("queues/partials/job_row.html", context)
    assert row(job()) is first


def test_what_the_row_shows_changes_it() -> None:
    first = row(job())
    for changed, seen in [
        (job(progress=Payload.from_stored("75")), 'value="75"'),
        (job(name="bounce"), "bounce"),
        (job(attempts_made=2), "2/3"),
        (job(failed_reason="refused"), "refused"),
        (job(problems=("data is not JSON",)), "corrupt"),
    ]:
        other = row(changed)
        assert other != first and seen in other


def test_the_list_and_the_viewers_language_change_it() -> None:
    first = row(job())
    assert row(job(), state=JobState.COMPLETED) != first  # the state badge of another list
    wordy = job(failed_reason="timed out " * 10)
    assert row(wordy, chars=10) != row(wordy)
    with translation.override("de"):
        assert row(job()) != first


def test_relative_ages_are_part_of_the_key() -> None:
    earlier = CREATED - timedelta(hours=1)
    before = relative(CREATED), relative(earlier)
    two_hours, three_hours = row(job()), row(job(created_at=earlier))
    after = relative(CREATED), relative(earlier)
    # "2 h ago", or "2 h 5 min ago" later in a long run (either side of a minute's turn)
    assert before[0] in two_hours or after[0] in two_hours
    assert before[1] in three_hours or after[1] in three_hours
    assert three_hours != two_hours


def test_payloads_count_as_far_as_the_row_reads_them() -> None:
    long = "x" * 500
    first = row(job(data=Payload.from_stored(long + "a")))
    assert row(job(data=Payload.from_stored(long + "b"))) is first  # beyond the excerpt
    long_name = job(name="n" * 300 + "a")
    assert row(long_name) is not row(long_name)  # shown whole in its title: not kept
    assert row(long_name) != row(job(name="n" * 300 + "b"))


def test_hostile_fields_are_escaped() -> None:
    hostile = row(job(name="<img src=x onerror=alert(1)>", failed_reason="<script>x</script>"))
    assert "<img" not in hostile and "<script>" not in hostile
    assert "&lt;img" in hostile and "&lt;script&gt;" in hostile
