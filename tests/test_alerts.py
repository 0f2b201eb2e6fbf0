"""Alerts from a real django-tasks-db queue and worker: rules fire and resolve once each,
delivered as a signal, by e-mail (Django's locmem outbox) and to a webhook receiver started
here (a real HTTP server on a free port) whose signature is checked; retries, timeouts,
hysteresis, state kept across a restart, the reader running the evaluator, the page and API,
and the system checks of bad rules."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.core import mail
from django.urls import reverse

from queues.actions.audit_choices import action_label
from queues.alerts.evaluator import Evaluator
from queues.alerts.measure import Measure
from queues.alerts.models import AlertEvent, AlertState
from queues.alerts.rules import parse_rule, parse_rules
from queues.alerts.state import apply
from queues.models import AuditEntry
from queues.signals import alert_fired, alert_resolved
from queues.states import JobState
from tests import sample_tasks
from tests.alert_receiver import Receiver
from tests.fixtures_tasks import run_worker
from tests.live_helpers import use_live

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "alerts-tasks"
SECRET = "s3cret-shared-with-the-receiver"
WAITING_RULE = {"name": "backlog", "kind": "waiting", "queue": QUEUE, "above": 3,
                "resolve_below": 1, "email": ["oncall@example.com"]}  # fmt: skip
FAILED_RULE = {"name": "failures", "kind": "failed", "backend": "tasks", "above": 2}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


def configure(settings: Any, receiver: Receiver, *rules: dict[str, Any], **hook: Any) -> None:
    webhook = {"url": receiver.url, "secret": SECRET, "timeout": 5, "retries": 2,
               "backoff": 0.05, **hook}  # fmt: skip
    settings.QUEUEBOARD = {"ALERTS": list(rules), "ALERT_WEBHOOK": webhook,
                           "ALERT_EMAILS": ["ops@example.com"]}  # fmt: skip


def enqueue(ok: int, failing: int = 0) -> None:
    for n in range(ok):
        sample_tasks.add.using(queue_name=QUEUE).enqueue(n, 1)
    for _ in range(failing):
        sample_tasks.fail.using(queue_name=QUEUE).enqueue("planned")


def run_worker_in_thread() -> None:
    """django-tasks-db's worker until no task is ready, in a thread (no signal handlers)."""
    from django.db import close_old_connections
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[QUEUE], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="alerts-worker", excluded_queue_names=[],
    )  # fmt: skip
    try:
        worker.run()
    finally:
        close_old_connections()


def signed(received: Any) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Queueboard-Signature"], expected)


async def delivered(evaluator: Evaluator, wait: float = 30) -> None:
    """Every delivery handed to the dispatcher so far has been sent (or given up)."""
    sending = asyncio.create_task(evaluator.dispatcher.run())
    try:
        async with asyncio.timeout(wait):
            await evaluator.dispatcher.queue.join()
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)


def changes(rule: str) -> list[tuple[str, str]]:
    return [(e.change, e.queue) for e in AlertEvent.objects.filter(rule=rule).order_by("id")]


def test_fires_and_resolves_once_each_by_signal_mail_and_signed_webhook(
    settings: Any, tasks_settings: Any, receiver: Receiver
) -> None:
    configure(settings, receiver, WAITING_RULE, FAILED_RULE)
    signals: list[tuple[str, str, float]] = []

    def on_fired(rule: Any, queue: str, value: float, **kwargs: Any) -> None:
        signals.append(("fired", rule.name, value))

    async def on_resolved(rule: Any, queue: str, value: float, **kwargs: Any) -> None:
        signals.append(("resolved", rule.name, value))

    alert_fired.connect(on_fired)
    alert_resolved.connect(on_resolved)
    try:
        enqueue(4, failing=3)  # 7 waiting: the backlog fires
        evaluator = Evaluator()
        assert [(t.rule.name, t.fired) for t in asyncio.run(evaluator.evaluate_once())] == [
            ("backlog", True)
        ]
        assert asyncio.run(evaluator.evaluate_once()) == []  # still over: nothing again
        run_worker(QUEUE, worker_id="alerts-worker")  # 0 waiting, 3 failed
        found = asyncio.run(evaluator.evaluate_once())
        assert sorted((t.rule.name, t.fired) for t in found) == [
            ("backlog", False), ("failures", True)
        ]  # fmt: skip
        assert asyncio.run(evaluator.evaluate_once()) == []
        asyncio.run(delivered(evaluator))
    finally:
        alert_fired.disconnect(on_fired)
        alert_resolved.disconnect(on_resolved)

    # Sync and async receivers, each change once, in the order evaluated.
    assert signals[0] == ("fired", "backlog", 7.0)
    assert sorted(signals[1:]) == [("fired", "failures", 3.0), ("resolved", "backlog", 0.0)]
    bodies = [r.json for r in receiver.received]
    assert sorted((b["rule"]["name"], b["event"]) for b in bodies) == [
        ("backlog", "fired"), ("backlog", "resolved"), ("failures", "fired")
    ]  # fmt: skip
    assert all(signed(r) for r in receiver.received)
    assert {r.headers["X-Queueboard-Event"] for r in receiver.received} == {"fired", "resolved"}
    first = next(b for b in bodies if b["event"] == "fired" and b["rule"]["name"] == "backlog")
    assert (first["backend"], first["queue"], first["value"], first["threshold"]) == (
        "tasks", QUEUE, 7.0, 3.0
    )  # fmt: skip
    # E-mail: ALERT_EMAILS and the rule's own address, one message per change.
    assert len(mail.outbox) == 3
    backlog = [m for m in mail.outbox if "backlog fired" in m.subject]
    assert len(backlog) == 1 and backlog[0].to == ["ops@example.com", "oncall@example.com"]
    # Audited, by the board itself.
    audited = AuditEntry.objects.filter(action__startswith="alert-").order_by("id")
    assert [(e.action, e.params["rule"]) for e in audited] == [
        ("alert-fired", "backlog"), ("alert-resolved", "backlog"), ("alert-fired", "failures")
    ]  # fmt: skip
    assert changes("backlog") == [("fired", QUEUE), ("resolved", QUEUE)]
    assert (action_label("alert-fired"), action_label("alert-resolved")) == (
        "Alert fired", "Alert resolved"
    )  # fmt: skip


def test_the_webhook_is_retried_after_a_500(
    settings: Any, tasks_settings: Any, receiver: Receiver
) -> None:
    configure(settings, receiver, {**WAITING_RULE, "email": []})
    settings.QUEUEBOARD = {**settings.QUEUEBOARD, "ALERT_EMAILS": []}
    receiver.statuses = [500]
    enqueue(4)
    evaluator = Evaluator()
    assert len(asyncio.run(evaluator.evaluate_once())) == 1
    asyncio.run(delivered(evaluator))
    assert len(receiver.received) == 2  # the 500, then the retry taken
    assert receiver.received[0].body == receiver.received[1].body
    assert all(signed(r) for r in receiver.received)
    assert (evaluator.dispatcher.failed, mail.outbox) == (0, [])


def test_a_webhook_timing_out_does_not_hold_up_evaluation(
    settings: Any, tasks_settings: Any, receiver: Receiver
) -> None:
    configure(settings, receiver, {**WAITING_RULE, "email": []}, timeout=1, retries=1)
    receiver.hold_first = True
    enqueue(4)

    async def scenario() -> None:
        evaluator = Evaluator()
        sending = asyncio.create_task(evaluator.dispatcher.run())
        try:
            assert len(await evaluator.evaluate_once()) == 1
            # The delivery hangs in the receiver; evaluation goes on meanwhile.
            assert await asyncio.to_thread(receiver.holding.wait, 30)
            await asyncio.to_thread(run_worker_in_thread)
            resolved = await evaluator.evaluate_once()
            assert [t.fired for t in resolved] == [False]
            assert not receiver.released.is_set()  # the first POST still held
            async with asyncio.timeout(30):  # the board gave up on it (timeout) and retried
                while len(receiver.received) < 2:  # noqa: ASYNC110 - polling a thread's list
                    await asyncio.sleep(0.05)
            receiver.released.set()
            async with asyncio.timeout(30):
                await evaluator.dispatcher.queue.join()
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)

    asyncio.run(scenario())
    events = [r.json["event"] for r in receiver.received]
    # The held POST timed out and was sent again; the resolution after it.
    assert events.count("fired") == 2 and events.count("resolved") == 1


def test_a_value_hovering_about_the_threshold_fires_once(transactional_db: None) -> None:
    rule = parse_rule({"name": "hover", "kind": "waiting", "above": 10, "resolve_below": 5}, 0)
    values = [9, 10, 9.5, 11, 6, 10, 12, 5.5, 4, 6, 9, 3, 10]
    seen = []
    for value in values:
        seen += [t.fired for t in apply([Measure(rule, "tasks", "q", float(value))])]
    assert seen == [True, False, True]  # fired at 10, resolved at 4, fired again at 10
    state = AlertState.objects.get(rule="hover")
    assert state.firing and state.value == 10.0
    assert [c for c, _q in changes("hover")] == ["fired", "resolved", "fired"]


def test_state_survives_a_restart_of_the_evaluator(
    settings: Any, tasks_settings: Any, receiver: Receiver
) -> None:
    configure(settings, receiver, FAILED_RULE)
    enqueue(0, failing=3)
    run_worker(QUEUE, worker_id="alerts-worker")
    assert [t.fired for t in asyncio.run(Evaluator().evaluate_once())] == [True]
    restarted = Evaluator()  # a new board process: state read from the database
    assert asyncio.run(restarted.evaluate_once()) == []
    assert changes("failures") == [("fired", QUEUE)]
    assert restarted.dispatcher.queue.qsize() == 0


def test_failure_rate_from_the_history_rollups(settings: Any, tasks_settings: Any) -> None:
    from queues.history import store
    from queues.history.buckets import Tally

    rule = {"name": "rate", "kind": "failure_rate", "queue": QUEUE, "above": 0.5, "window": 600}
    settings.QUEUEBOARD = {"ALERTS": [rule]}
    enqueue(1)  # the queue exists
    minute = int(time.time() // 60) * 60
    store.write({("tasks", QUEUE, minute): Tally(completed=4, failed=6)})
    found = asyncio.run(Evaluator().evaluate_once())
    assert [(t.fired, t.value) for t in found] == [(True, 0.6)]
    store.write({("tasks", QUEUE, minute): Tally(completed=90)})  # 6 of 100: below 0.25
    found = asyncio.run(Evaluator().evaluate_once())
    assert [(t.fired, round(t.value, 2)) for t in found] == [(False, 0.06)]


def test_the_elected_reader_runs_the_evaluator(settings: Any, tasks_settings: Any) -> None:
    from queues.live.options import live_options
    from queues.live.reader import Reader

    use_live(settings)
    settings.QUEUEBOARD = {"ALERTS": [FAILED_RULE], "ALERT_INTERVAL_SECONDS": 1}
    enqueue(0, failing=3)
    run_worker(QUEUE, worker_id="alerts-worker")

    async def scenario() -> None:
        reader = Reader(InMemoryChannelLayer(), live_options())
        task = asyncio.create_task(reader.run())
        try:
            async with asyncio.timeout(30):
                while not await AlertEvent.objects.filter(rule="failures").aexists():
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert changes("failures") == [("fired", QUEUE)]


def test_the_alerts_page_and_api(settings: Any, tasks_settings: Any, staff_client: Any) -> None:
    evil = {"name": "<script>alert(1)</script>", "kind": "no_workers", "queue": QUEUE}
    settings.QUEUEBOARD = {"ALERTS": [FAILED_RULE, evil, WAITING_RULE]}
    enqueue(0, failing=3)
    run_worker(QUEUE, worker_id="alerts-worker")
    asyncio.run(Evaluator().evaluate_once())
    page = staff_client.get(reverse("queues:alerts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert (
        "Firing for 1 queue" in html
        and QUEUE in html
        and f'href="{reverse("queues:alerts")}"' in html
    )
    data = staff_client.get(reverse("queues:api-alerts")).json()
    by_name = {r["name"]: r for r in data["rules"]}
    assert by_name["failures"]["firing"] == 1
    assert by_name["failures"]["states"][0]["queue"] == QUEUE
    assert by_name["failures"]["states"][0]["last_fired_at"]
    assert by_name["backlog"]["firing"] == 0
    assert [(e["rule"], e["change"]) for e in data["events"]] == [("failures", "fired")]


def test_the_alerts_page_needs_a_login(client: Any, settings: Any) -> None:
    assert client.get(reverse("queues:api-alerts")).status_code == 401


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"kind": "failed", "above": 1}, "'name' must be a text"),
        ({"name": "x", "kind": "flames", "above": 1}, "'kind' must be one of"),
        ({"name": "x", "kind": "failed"}, "'above' (the value that fires the alert) is required"),
        ({"name": "x", "kind": "failure_rate", "above": 5}, "between 0 and 1"),
        ({"name": "x", "kind": "failed", "above": 5, "resolve_below": 9}, "'resolve_below'"),
        ({"name": "x", "kind": "failure_rate", "above": 0.1, "window": 5}, "'window' must be"),
        ({"name": "x", "kind": "health", "finding": "sadness"}, "'finding' must be one of"),
        ({"name": "x", "kind": "failed", "above": 1, "email": "a@b"}, "'email' must be a list"),
        ({"name": "x", "kind": "failed", "above": 1, "colour": "red"}, "unknown keys colour"),
        ({"name": "x", "kind": "failed", "above": "3"}, "'above' must be a number"),
    ],
)
def test_bad_rules_are_system_check_errors(settings: Any, rule: Any, says: str) -> None:
    from queues.alerts.checks import check_alerts

    settings.QUEUEBOARD = {"ALERTS": [rule]}
    errors = check_alerts()
    assert [e.id for e in errors] == ["queueboard.E050"]
    assert says in errors[0].msg and "QUEUEBOARD['ALERTS'][0]" in errors[0].msg


def test_bad_alert_settings_are_system_check_errors(settings: Any) -> None:
    from queues.alerts.checks import check_alerts

    settings.QUEUEBOARD = {
        "ALERTS": [FAILED_RULE, FAILED_RULE],
        "ALERT_WEBHOOK": {"url": "ftp://x", "secret": "short", "timeout": 0},
        "ALERT_EMAILS": "ops@example.com",
    }
    found = [(e.id, e.msg) for e in check_alerts()]
    assert [i for i, _m in found] == [
        "queueboard.E050",
        *["queueboard.E051"] * 3,
        "queueboard.E052",
    ]
    assert "used twice" in found[0][1] and "http:// or https://" in found[1][1]
    assert parse_rules({"name": "x"})[1] == [
        "QUEUEBOARD['ALERTS'] must be a list of rules, not dict."
    ]
    settings.QUEUEBOARD = {"ALERTS": [FAILED_RULE]}
    assert check_alerts() == []


def test_bullmq_rules_from_a_python_producer_and_a_node_worker(
    settings: Any, bullmq_backend: Any, redis_url: str, node_worker: Any
) -> None:
    """No workers, the oldest waiting job and a health finding, on a real BullMQ queue: jobs
    wait with no worker (all fire), then a Node bullmq worker runs them (the first two
    resolve; the jobs were still added without retries, so that finding stays, not again)."""
    from queues import health
    from tests.bullmq_producers import add_jobs
    from tests.fixtures_bullmq import run

    queue = "alerts-bull"
    settings.QUEUEBOARD = {
        **settings.QUEUEBOARD,
        "HEALTH_CACHE_SECONDS": 0,
        "ALERTS": [
            {"name": "idle", "kind": "no_workers", "backend": "bullmq"},
            {"name": "stale", "kind": "oldest_waiting", "queue": queue, "above": 0.001},
            {"name": "fragile", "kind": "health", "finding": "no-retries", "queue": queue},
        ],
    }
    asyncio.run(add_jobs(redis_url, queue, 3))
    health.forget_all()
    evaluator = Evaluator()
    fired = asyncio.run(evaluator.evaluate_once())
    assert sorted((t.rule.name, t.queue, t.fired) for t in fired) == [
        ("fragile", queue, True), ("idle", queue, True), ("stale", queue, True)
    ]  # fmt: skip
    node_worker(queue)

    async def drained() -> None:
        async with asyncio.timeout(60):
            while True:
                summary = await bullmq_backend.get_queue(queue)
                if summary.counts.get(JobState.COMPLETED, 0) == 3:
                    return
                await asyncio.sleep(0.05)

    run(bullmq_backend, drained())
    resolved = asyncio.run(evaluator.evaluate_once())
    assert sorted((t.rule.name, t.fired) for t in resolved) == [("idle", False), ("stale", False)]
    assert asyncio.run(evaluator.evaluate_once()) == []
    assert [c for c, _q in changes("fragile")] == ["fired"]


def test_bad_alert_settings_leave_the_reader_running(settings: Any) -> None:
    from queues.alerts.evaluator import run_alerts

    settings.QUEUEBOARD = {"ALERTS": [FAILED_RULE], "ALERT_DELIVERY_QUEUE": "many"}
    asyncio.run(run_alerts())  # logged, returns: the reader's other tasks go on
