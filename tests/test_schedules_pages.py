"""The schedule pages: the board's list, a queue's panel, one schedule, its form actions, and
the link from a scheduler's job; ids and names escaped everywhere."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests import test_bullmq_schedules_api as api_tests
from tests.test_bullmq_actions_api import grant
from tests.test_bullmq_schedules import Q, node_schedulers
from tests.test_bullmq_schedules_api import ODD, SCHEDULE_PERMISSIONS

pytestmark = pytest.mark.django_db(transaction=True)

# The API tests' fixtures: a private Redis client, and schedulers written by Node bullmq.
r = api_tests.r
seeded = api_tests.seeded


def page(name: str, *args: str) -> str:
    return reverse(f"queues:{name}", args=args)


def test_board_page_lists_every_queue(staff_client: Client, seeded: None) -> None:
    answer = staff_client.get(page("schedules"))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;i&gt;w&lt;/i&gt;" in html and "At 09:00, only on Monday" in html
    assert page("schedule", "bullmq", Q, ODD) in html.replace("&amp;", "&")
    assert page("schedule", "bullmq", "q2", "other") in html
    assert 'data-qb-age-mode="due"' in html
    assert page("schedules") in staff_client.get(page("overview")).content.decode()


def test_queue_page_loads_its_panel(staff_client: Client, seeded: None) -> None:
    html = staff_client.get(page("queue", "bullmq", Q)).content.decode()
    assert f'hx-get="{page("queue-schedules", "bullmq", Q)}"' in html
    panel = staff_client.get(page("queue-schedules", "bullmq", Q), headers={"HX-Request": "true"})
    assert panel.status_code == 200
    text = panel.content.decode()
    assert 'id="schedules-panel"' in text and "<html" not in text
    assert "every-hour" in text and "Missing template" in text  # the problem badge's title
    full = staff_client.get(page("queue-schedules", "bullmq", Q))
    assert "<html" in full.content.decode()
    # A queue without schedules shows no panel on its page.
    none = staff_client.get(page("queue-schedules", "bullmq", "q2x"), headers={"HX-Request": "1"})
    assert none.status_code == 404  # no such queue
    empty = staff_client.get(page("queue-schedules", "bullmq", "q2"), headers={"HX-Request": "1"})
    assert '<div id="schedules-panel" hidden>' not in empty.content.decode()  # q2 has one
    bare = staff_client.get(page("queue", "bullmq", "q2")).content.decode()
    assert 'hx-get="' in bare


def test_schedule_page_in_full(staff_client: Client, staff_user: Any, seeded: None) -> None:
    target = page("schedule", "bullmq", Q, ODD)
    html = staff_client.get(target).content.decode()
    assert "Next 5 runs (estimate)" in html and html.count("<li><time") == 5
    assert "{&quot;x&quot;:&quot;&lt;script&gt;&quot;}" in html  # the template, escaped
    assert "Run now" not in html and "Remove</button>" not in html  # no permission: no buttons
    staff_client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    html = staff_client.get(target).content.decode()
    assert "Run now" in html and "Remove</button>" in html and 'name="pattern"' in html
    for odd in ("no-hash", "bad"):
        assert staff_client.get(page("schedule", "bullmq", Q, odd)).status_code == 200
    assert staff_client.get(page("schedule", "bullmq", Q, "nope")).status_code == 404


def test_form_actions_redirect_with_a_notice(
    staff_client: Client,
    staff_user: Any,
    seeded: None,
    r: redis.Redis,
) -> None:
    staff_client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    here = page("schedule", "bullmq", Q, ODD)
    bad = staff_client.post(page("schedule-action", "bullmq", Q, ODD, "edit"),
                            {"pattern": "99 * * * *"}, follow=True)  # fmt: skip
    assert bad.redirect_chain[-1][0] == here and "not a valid cron pattern" in bad.content.decode()
    good = staff_client.post(page("schedule-action", "bullmq", Q, ODD, "edit"),
                             {"pattern": "15 7 * * *", "tz": "UTC", "data": '{"n": 1}'},
                             follow=True)  # fmt: skip
    assert "changed" in good.content.decode()
    assert r.hget(f"bull:{Q}:repeat:{ODD}", "pattern") == "15 7 * * *"
    assert r.hget(f"bull:{Q}:repeat:{ODD}", "data") == '{"n":1}'
    ran = staff_client.post(page("schedule-action", "bullmq", Q, ODD, "run-now"), follow=True)
    assert "started now" in ran.content.decode()
    gone = staff_client.post(page("schedule-action", "bullmq", Q, ODD, "remove"), follow=True)
    assert gone.redirect_chain[-1][0] == page("queue", "bullmq", Q)
    assert "removed" in gone.content.decode()
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "schedule-edit", "schedule-run-now", "schedule-remove"
    }  # fmt: skip
    assert staff_client.get(page("schedule-action", "bullmq", Q, ODD, "remove")).status_code == 405


def test_a_scheduler_job_links_to_its_schedule(
    staff_client: Client, bullmq_backend: Any, redis_url: str, node_modules: Any
) -> None:
    found = node_schedulers(redis_url, [{"id": "a/b:c", "repeat": {"pattern": "0 0 1 1 *"}}])
    job_id = f"repeat:a/b:c:{found['a/b:c']['next']}"
    html = staff_client.get(page("job", "bullmq", Q, job_id)).content.decode()
    assert page("schedule", "bullmq", Q, "a/b:c") in html and "Open its schedule" in html


def test_a_queue_without_schedules_shows_no_panel(
    staff_client: Client, bullmq_backend: Any, r: redis.Redis
) -> None:
    r.hset("bull:plain:meta", "opts.maxLenEvents", 10000)
    panel = staff_client.get(
        page("queue-schedules", "bullmq", "plain"), headers={"HX-Request": "1"}
    )
    assert panel.content.decode().strip() == '<div id="schedules-panel" hidden></div>'
