"""Bidi controls and other invisible characters in ids and names are shown escaped (F10.11).

A job id ``bidi\\u202egnp.exe`` displayed as ``bidiexe.png``; zero-width characters made two
ids look alike. Every page shows them as ``\\u202e`` in a style of their own; links, form values
and the API keep the real id.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse

from queues.visible import visible_html, visible_text
from tests.bullmq_producers import write_failed_job

RLO = "\u202e"
JOB_ID = f"bidi{RLO}gnp.exe"
NAME = f"send\u200b-mail{RLO}fdp"
QUEUE = f"inbox{RLO}nimda"
HIDDEN = [RLO, "\u200b"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (JOB_ID, "bidi\\u202egnp.exe"),
        ("a\u200bb\u200dc\u2066d\u2069", "a\\u200bb\\u200dc\\u2066d\\u2069"),
        ("tab\tnew\nline\x00nul\x7f", "tab\\u0009new\\u000aline\\u0000nul\\u007f"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("soft\u00adhyphen\ufeffbom", "soft\\u00adhyphen\\ufeffbom"),
        ("filler\u3164\u115f\u2800", "filler\\u3164\\u115f\\u2800"),
        ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),
        ("variant\ufe0f\u034f", "variant\\ufe0f\\u034f"),
        ("unassigned\U000e0080", "unassigned\\U000e0080"),
    ],
)
def test_invisible_characters_become_escapes(raw: str, shown: str) -> None:
    assert visible_text(raw) == shown
    assert "qb-invisible" in visible_html(raw)


@pytest.mark.parametrize(
    "raw", ["plain-42", "caf\u00e9 \u65e5\u672c \u05e9\u05dc\u05d5\u05dd", "a b\u00a0c", "\u2764"]
)
def test_visible_text_is_left_alone(raw: str) -> None:
    """Letters of any script, emoji and spaces (also no-break ones) are shown as they are."""
    assert visible_text(raw) == raw
    assert visible_html(raw) == raw


def test_html_is_escaped_and_each_escape_is_marked_and_named() -> None:
    assert visible_html(f"<b>{RLO}&") == (
        '&lt;b&gt;<span class="qb-invisible" title="U+202E RIGHT-TO-LEFT OVERRIDE">'
        "\\u202e</span>&amp;"
    )


def test_the_template_filters() -> None:
    template = engines["django"].from_string(
        "{% load queueboard %}{{ v|visible }}|{{ v|visible_text }}|{{ ids|visible_list }}"
        "|{{ v|clip:6|visible }}"
    )
    html = template.render({"v": f"<{RLO}>", "ids": [RLO, "<x>"]})
    span = '<span class="qb-invisible" title="U+202E RIGHT-TO-LEFT OVERRIDE">\\u202e</span>'
    assert html == f"&lt;{span}&gt;|&lt;\\u202e&gt;|{span}, &lt;x&gt;|&lt;{span}&gt;"


class Texts(HTMLParser):
    """The text a reader sees (text nodes, the title and attributes shown to people)."""

    SHOWN_ATTRIBUTES = frozenset({"title", "aria-label", "data-confirm", "alt", "placeholder"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend(v or "" for k, v in attrs if k in self.SHOWN_ATTRIBUTES)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def shown_text(html: str) -> str:
    parser = Texts()
    parser.feed(html)
    return "".join(parser.texts) + "\n" + "\n".join(parser.attributes)


def assert_shown_escaped(html: str, *escapes: str) -> None:
    text = shown_text(html)
    for char in HIDDEN:
        assert char not in text, (char, text)
    for escape in escapes:
        assert escape in text, (escape, text)


@pytest.fixture
def bidi_job(bullmq_settings: Any, redis_url: str) -> None:
    write_failed_job(redis_url, QUEUE, JOB_ID, NAME)


@pytest.mark.django_db
def test_overview_queue_and_job_pages_show_the_escapes(
    staff_client: Client, bidi_job: None
) -> None:
    overview = staff_client.get(reverse("queues:overview")).content.decode()
    assert_shown_escaped(overview, "inbox\\u202enimda")
    queue_url = reverse("queues:queue", args=["bullmq", QUEUE])
    queue = staff_client.get(queue_url, {"state": "failed"}).content.decode()
    assert_shown_escaped(queue, "bidi\\u202egnp.exe", "send\\u200b-mail\\u202efdp", "inbox\\u202e")
    job_url = reverse("queues:job", args=["bullmq", QUEUE, JOB_ID])
    assert f'href="{job_url}"' in queue  # the link carries the real id
    job = staff_client.get(job_url)
    assert job.status_code == 200
    assert_shown_escaped(job.content.decode(), "#bidi\\u202egnp.exe", "send\\u200b-mail")
    assert "<title>Job bidi\\u202egnp.exe" in job.content.decode()
    fragment = staff_client.get(queue_url, {"state": "failed"}, headers={"HX-Target": "job-list"})
    assert_shown_escaped(fragment.content.decode(), "bidi\\u202egnp.exe")


@pytest.mark.django_db
def test_the_api_keeps_the_real_id(staff_client: Client, bidi_job: None) -> None:
    jobs = staff_client.get(reverse("queues:api-jobs", args=["bullmq", QUEUE]), {"state": "failed"})
    assert [(job["id"], job["name"]) for job in jobs.json()["jobs"]] == [(JOB_ID, NAME)]


@pytest.mark.django_db
def test_notices_and_error_pages_show_the_escapes(staff_client: Client, bidi_job: None) -> None:
    find = reverse("queues:find-job", args=["bullmq", QUEUE])
    response = staff_client.get(find, {"id": f"nope{RLO}fdp.exe"}, follow=True)
    assert_shown_escaped(response.content.decode(), "nope\\u202efdp.exe")
    missing = staff_client.get(reverse("queues:job", args=["bullmq", f"gone{RLO}", "1"]))
    assert missing.status_code == 404
    assert_shown_escaped(missing.content.decode())


def test_a_live_row_is_rendered_with_the_escapes() -> None:
    """Live updates render the same partial; a row built from a job summary shows escapes."""
    from django.template.loader import render_to_string

    from queues.backends.types import JobSummary, Payload
    from queues.states import JobState

    job = JobSummary(
        backend="bullmq", queue=QUEUE, id=JOB_ID, name=NAME, state=JobState.FAILED,
        data=Payload(text="{}", size=2), progress=Payload(text="", size=0),
    )  # fmt: skip
    html = render_to_string(
        "queues/partials/job_row.html", {"job": job, "state": JobState.FAILED, "preview_chars": 50}
    )
    assert_shown_escaped(html, "bidi\\u202egnp.exe", "send\\u200b-mail")
