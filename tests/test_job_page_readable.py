"""The job page reads well: timestamps in the header, options under BullMQ's API names,
attempts worded right after a manual retry, stack traces per attempt, progress as a bar, logs
newest first, the delayed tab's "Due" column. Jobs are written the way BullMQ stores them."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from queues.backends.bullmq.options import api_options
from queues.templatetags.queueboard_job import relative
from tests import bullmq_producers

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "readable"
NOW = ADDED = STARTED = FINISHED = 0  # set afresh for each test (fresh_times)


@pytest.fixture(autouse=True)
def fresh_times() -> None:
    """Times near each test's own start: a whole suite's run may begin long before it."""
    global NOW, ADDED, STARTED, FINISHED
    NOW = int(time.time() * 1000)
    ADDED = NOW - 3_600_000
    STARTED = ADDED + 1000
    FINISHED = STARTED + 2500


def write(url: str, job_id: str, state_key: str, **fields: Any) -> None:
    r = bullmq_producers.client(url)
    try:
        bullmq_producers.write_queue_keys(r, QUEUE)
        bullmq_producers.write_job(r, QUEUE, job_id, state_key, **fields)
    finally:
        r.close()


def page(client: Any, job_id: str, tab: str | None = None) -> str:
    url = reverse("queues:job", args=["bullmq", QUEUE, job_id])
    response = client.get(url + (f"?tab={tab}" if tab else ""))
    assert response.status_code == 200
    return response.content.decode()


def header(body: str) -> str:
    return body[body.index('id="job-header"') : body.index('id="job-tabs"')]


def iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_header_shows_added_started_finished_in_utc(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(
        redis_url, "done", "completed",
        timestamp=ADDED, processedOn=STARTED, finishedOn=FINISHED, atm=1, ats=1,
        returnvalue="1",
    )  # fmt: skip
    head = header(page(staff_client, "done"))
    for label, ms in (("Added", ADDED), ("Started", STARTED), ("Finished", FINISHED)):
        text = datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        assert re.search(
            rf"<dt>{label}</dt><dd><time class=\"qb-time\" datetime=\"{re.escape(iso(ms))}\""
            rf" data-qb-time=\"s\">{re.escape(text)}</time>",
            head,
        ), label
    assert 'data-qb-age="' + iso(ADDED) + '" data-qb-age-mode="age">1 h ago<' in head
    assert "took 2.5 s" in head


def test_delayed_job_header_says_when_it_is_due(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    due = NOW + 300_000
    write(redis_url, "later", "delayed", timestamp=NOW, delay=300_000)
    r = bullmq_producers.client(redis_url)
    r.zadd(f"bull:{QUEUE}:delayed", {"later": due * 4096})
    r.close()
    head = header(page(staff_client, "later"))
    assert "<dt>Due</dt>" in head
    assert re.search(r'data-qb-age-mode="due">in (4 min \d+ s|5 min)<', head)


def test_timeline_stamps_have_milliseconds_at_most(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    added = ADDED // 1000 * 1000 + 997
    write(redis_url, "t", "completed", timestamp=added, processedOn=STARTED, finishedOn=FINISHED)
    body = page(staff_client, "t", "timeline")
    timeline = body[body.index('id="job-timeline"') :]
    stamp = datetime.fromtimestamp(added / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert f">{stamp}.997 UTC</time>" in timeline
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{4,}", timeline)


def test_relative_ages_read_as_due_or_overdue() -> None:
    now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert relative(now + timedelta(minutes=5), due=True, now=now) == "in 5 min"
    assert relative(now - timedelta(minutes=1), due=True, now=now) == "overdue by 1 min"
    assert relative(now - timedelta(minutes=3), now=now) == "3 min ago"
    assert relative(now + timedelta(hours=2), now=now) == "in 2 h"


def test_delayed_tab_has_a_due_column(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "soon", "delayed", timestamp=NOW, delay=300_000)
    write(redis_url, "late", "delayed", timestamp=NOW - 120_000, delay=60_000)
    r = bullmq_producers.client(redis_url)
    r.zadd(f"bull:{QUEUE}:delayed", {"soon": (NOW + 300_000) * 4096, "late": (NOW - 60_000) * 4096})
    r.close()
    url = reverse("queues:queue", args=["bullmq", QUEUE]) + "?state=delayed"
    body = staff_client.get(url).content.decode()
    assert '<th scope="col">Due</th>' in body and '<th scope="col">Age</th>' not in body
    assert re.search(r'data-qb-age-mode="due">in (4 min \d+ s|5 min)<', body)
    assert re.search(r'data-qb-age-mode="due">overdue by 1 min( \d s)?<', body)
    assert "due 1 min ago" not in body
    write(redis_url, "now", "wait")
    url = reverse("queues:queue", args=["bullmq", QUEUE]) + "?state=waiting"
    waiting = staff_client.get(url).content.decode()
    assert '<th scope="col">Age</th>' in waiting and '<th scope="col">Due</th>' not in waiting
    assert re.search(r'data-qb-age-mode="age">\d+(\.\d)? (ms|s) ago<', waiting)


STORED_OPTS = {
    "attempts": 3,
    "backoff": {"type": "exponential", "delay": 1000},
    "de": {"id": "dedupe-1", "ttl": 5000},
    "fpof": True,
    "idof": False,
    "kl": 50,
    "rdof": True,
    "cpof": False,
    "tm": "trace-ctx",
    "omc": True,
    "removeOnComplete": 100,
    "jobId": "custom-1",
}


def test_api_options_follow_bullmq_opts_from_json() -> None:
    named = api_options(STORED_OPTS)
    assert named == {
        "attempts": 3,
        "backoff": {"type": "exponential", "delay": 1000},
        "deduplication": {"id": "dedupe-1", "ttl": 5000},
        "failParentOnFailure": True,
        "ignoreDependencyOnFailure": False,
        "keepLogs": 50,
        "removeDependencyOnFailure": True,
        "continueParentOnFailure": False,
        "telemetry": {"metadata": "trace-ctx", "omitContext": True},
        "removeOnComplete": 100,
        "jobId": "custom-1",
    }


def test_options_tab_shows_api_names_with_the_stored_form_one_click_away(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "opts", "wait", opts=json.dumps(STORED_OPTS))
    body = page(staff_client, "opts", "options")
    panel = body[body.index('id="job-tab-panel"') :]
    named, stored = panel.split('class="qb-stored"', 1)
    for name in ("deduplication", "failParentOnFailure", "ignoreDependencyOnFailure", "keepLogs",
                 "removeDependencyOnFailure", "continueParentOnFailure", "telemetry"):  # fmt: skip
        assert f"&quot;{name}&quot;" in named, name
    assert "&quot;fpof&quot;" not in named and "&quot;kl&quot;" not in named
    assert "<summary>" in stored and "&quot;fpof&quot;: true" in stored
    api = staff_client.get(reverse("queues:api-job", args=["bullmq", QUEUE, "opts"])).json()["job"]
    assert api["options"]["fpof"] is True  # the stored form, as before
    assert api["named_options"]["failParentOnFailure"] is True


def test_options_without_short_names_show_once(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "plain", "wait", opts=json.dumps({"attempts": 2, "delay": 0}))
    body = page(staff_client, "plain", "options")
    assert 'class="qb-stored"' not in body and "&quot;attempts&quot;: 2" in body


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"atm": 1, "ats": 1, "opts": json.dumps({"attempts": 3})}, ">1 of 3</dd>"),
        ({"atm": 0, "ats": 0, "opts": json.dumps({"attempts": 1})}, ">0 of 1</dd>"),
        # A failed job (1 allowed) retried by hand and failed again.
        (
            {"atm": 2, "ats": 2, "opts": json.dumps({"attempts": 1})},
            ">2 attempts started (1 allowed; retried by hand)</dd>",
        ),
        # Retried by hand and running: one run begun past the one allowed.
        (
            {"atm": 1, "ats": 2, "opts": json.dumps({"attempts": 1})},
            ">2 attempts started (1 allowed; retried by hand)</dd>",
        ),
        # Older hashes: attemptsMade only.
        ({"atm": None, "attemptsMade": 2, "opts": json.dumps({"attempts": 5})}, ">2 of 5</dd>"),
    ],
)
def test_attempts_read_right_after_a_manual_retry(
    staff_client: Any, bullmq_settings: Any, redis_url: str, fields: dict[str, Any], expected: str
) -> None:
    write(redis_url, "a", "failed", finishedOn=NOW, failedReason="boom", **fields)
    head = header(page(staff_client, "a"))
    assert expected in head
    assert " of 1</dd>" not in head.replace(">0 of 1</dd>", "")
    assert "Attempts started" not in head  # said once, in the attempts


LIB_TRACE = "\n".join(
    [
        "Error: connect ECONNREFUSED",
        "    at sendMail (/srv/app/src/mail.js:10:5)",
        "    at Object.connect (/srv/app/node_modules/nodemailer/lib/smtp.js:1:1)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    ]
)
OTHER_TRACE = "Error: timeout\n    at wait (/srv/app/src/wait.js:3:1)"


def test_stack_traces_per_attempt_identical_ones_collapsed(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(
        redis_url, "f", "failed", finishedOn=NOW, failedReason="boom", atm=3,
        opts=json.dumps({"attempts": 3}),
        stacktrace=json.dumps([LIB_TRACE, LIB_TRACE, OTHER_TRACE]),
    )  # fmt: skip
    body = page(staff_client, "f", "error")
    labels = re.findall(
        r'<span class="qb-trace-label">(.*?)</span>(?: <span class="qb-trace-first">.*?</span>)?'
        r"</summary>",
        body,
        re.S,
    )
    assert [re.sub(r"<[^>]+>", "", label) for label in labels] == [
        "Attempt 3",
        "Attempt 2 \u00d7 2 (attempts 1, 2)",
    ]
    assert body.count('class="qb-stacktrace"') == 2
    # A folded older attempt names its error in its summary.
    assert '<span class="qb-trace-first">Error: connect ECONNREFUSED</span>' in body
    lib = re.findall(r'<span class="qb-frame qb-frame-lib">(.*?)</span>', body)
    assert lib == [
        "    at Object.connect (/srv/app/node_modules/nodemailer/lib/smtp.js:1:1)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    ]
    assert '<span class="qb-frame">    at sendMail (/srv/app/src/mail.js:10:5)</span>' in body


def test_python_library_frames_are_dimmed(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    trace = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/tasks.py", line 3, in run\n'
        "    send()\n"
        '  File "/usr/lib/python3/dist-packages/smtplib.py", line 9, in send\n'
        "    raise SMTPError\n"
        "SMTPError: refused"
    )
    write(redis_url, "py", "failed", finishedOn=NOW, failedReason="x", atm=1,
          stacktrace=json.dumps([trace]))  # fmt: skip
    body = page(staff_client, "py", "error")
    lib = re.findall(r'<span class="qb-frame qb-frame-lib">(.*?)</span>', body)
    assert lib == [
        "  File &quot;/usr/lib/python3/dist-packages/smtplib.py&quot;, line 9, in send",
        "    raise SMTPError",
    ]
    assert "Attempt 1" in body


@pytest.mark.parametrize(
    ("progress", "percent", "rest"),
    [
        ("42", "42", []),
        ('{"percentage": 30, "step": "upload", "files": 3}', "30", ["step", "files"]),
        ('{"pct": 75.4}', "75", []),
        ('{"progress": 10, "of": 2}', "10", ["of"]),
    ],
)
def test_progress_with_a_percentage_is_a_bar_and_a_table(
    staff_client: Any,
    bullmq_settings: Any,
    redis_url: str,
    progress: str,
    percent: str,
    rest: list[str],
) -> None:
    write(redis_url, "p", "active", processedOn=NOW, progress=progress)
    head = header(page(staff_client, "p"))
    cell = head[
        head.index('id="job-progress"') : head.index("</dd>", head.index('id="job-progress"'))
    ]
    assert f'<progress class="qb-progress" max="100" value="{percent}"' in cell
    assert re.findall(r'<th scope="row">(.*?)</th>', cell) == rest
    assert "qb-progress-raw" not in cell


def test_other_progress_shapes_stay_json(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "p", "active", processedOn=NOW, progress='{"step": 1, "of": 2}')
    head = header(page(staff_client, "p"))
    assert "<progress" not in head
    assert '<code class="qb-progress-raw">{&quot;step&quot;: 1, &quot;of&quot;: 2}</code>' in head


def test_logs_newest_first_numbered(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "l", "active", processedOn=NOW)
    r = bullmq_producers.client(redis_url)
    r.rpush(f"bull:{QUEUE}:l:logs", "first", "second", "third")
    r.close()
    body = page(staff_client, "l", "logs")
    assert re.findall(r'<li value="(\d+)">(\w+)</li>', body) == [
        ("3", "third"),
        ("2", "second"),
        ("1", "first"),
    ]
    assert "data-logs-filter" in body and "data-logs-follow" in body


def test_hostile_json_stays_escaped_text(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    hostile = "</script><img src=x onerror=alert(1)>"
    write(redis_url, "h", "wait", data=json.dumps({hostile: hostile}))
    body = page(staff_client, "h", "data")
    assert hostile not in body
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<script>" not in body.replace('<script src="', "")


def test_a_payload_cut_by_the_display_cap_stays_text_with_its_notice(
    staff_client: Any, bullmq_settings: Any, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"PAYLOAD_DISPLAY_CAP": 100}
    write(redis_url, "big", "wait", data=json.dumps({"items": list(range(200))}))
    body = page(staff_client, "big", "data")
    assert "showing the first 100 characters" in body
    view = body[body.index('class="qb-json-view"') : body.index("</pre>")]
    assert "data-json-ok" not in view  # no tree of a cut text: the script shows it as it is
    small = page(staff_client, "big", "options")
    assert "data-json-ok" in small


@pytest.mark.node
def test_node_written_options_and_a_retry_by_hand_read_right(
    staff_client: Any, bullmq_settings: Any, node_produce: Any
) -> None:
    """Node bullmq 6.7.0 writes the options short and counts a retry by hand past the allowed
    attempts; the page gives the API's names and says the retry was by hand."""
    ids = node_produce("options-and-retry")
    api = staff_client.get(
        reverse("queues:api-job", args=["bullmq", "node-options", ids["delayed"][0]])
    ).json()["job"]
    assert {"kl", "de", "fpof", "tm", "omc"} <= set(api["options"])
    named = api["named_options"]
    assert named["keepLogs"] == 5 and named["failParentOnFailure"] is True
    assert named["deduplication"]["id"] == "dedupe-1"
    assert named["telemetry"] == {"metadata": "ctx", "omitContext": True}
    assert not {"kl", "de", "fpof", "tm", "omc"} & set(named)
    url = reverse("queues:job", args=["bullmq", "node-options", ids["failed"][0]])
    head = header(staff_client.get(url).content.decode())
    assert ">2 attempts started (1 allowed; retried by hand)</dd>" in head
    body = staff_client.get(url + "?tab=error").content.decode()
    labels = re.findall(r'<span class="qb-trace-label">(.*?)</span>', body)
    assert labels == ["Attempt 2", "Attempt 1"]


def test_job_list_attempts_say_a_retry_by_hand_in_their_title(
    staff_client: Any, bullmq_settings: Any, redis_url: str
) -> None:
    write(redis_url, "r", "failed", finishedOn=NOW, failedReason="x", atm=2,
          opts=json.dumps({"attempts": 1}))  # fmt: skip
    body = staff_client.get(
        reverse("queues:queue", args=["bullmq", QUEUE]) + "?state=failed"
    ).content.decode()
    assert 'title="2 attempts started (1 allowed; retried by hand)">2/1</td>' in body
