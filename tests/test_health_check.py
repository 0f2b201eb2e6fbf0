"""The health check of a queue: each finding triggered by data that has it and absent on data
that does not, written by real Node bullmq producers and workers on a real Redis; the panel
escapes what it shows; the cost of a check is bounded and the overview's badge costs nothing.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from queues import health
from tests.fixtures_bullmq import run, run_node, start_node_worker, stop_worker

pytestmark = [pytest.mark.node, pytest.mark.django_db]

GOOD = {
    "attempts": 3,
    "backoff": {"type": "exponential", "delay": 1000},
    "removeOnComplete": 100,
    "removeOnFail": {"age": 3600},
}


@pytest.fixture(autouse=True)
def fresh_health(settings: Any) -> Iterator[None]:
    settings.QUEUEBOARD = {"HEALTH_CACHE_SECONDS": 60}
    health.forget_all()
    yield
    health.forget_all()


def add(redis_url: str, queue: str, count: int, data: Any = None, **opts: Any) -> list[str]:
    out = run_node(
        "add_jobs.mjs", redis_url, queue, str(count), json.dumps(data or {}), json.dumps(opts)
    )
    return list(json.loads(out))


def codes(backend: Any, queue: str) -> set[str]:
    health.forget_all()
    report = run(backend, health.check_queue(backend, queue))
    assert report is not None
    return {f.code for f in report.findings}


def finding(backend: Any, queue: str, code: str) -> health.Finding:
    health.forget_all()
    report = run(backend, health.check_queue(backend, queue))
    assert report is not None
    return next(f for f in report.findings if f.code == code)


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.config_set("maxmemory-policy", "noeviction")
    client.close()


def test_good_options_have_no_option_findings(
    bullmq_backend: Any, node_modules: Path, redis_url: str
) -> None:
    add(redis_url, "good", 3, **GOOD)
    found = codes(bullmq_backend, "good")
    assert not found & {
        "no-retries",
        "no-backoff",
        "failed-kept",
        "completed-kept",
        "large-payloads",
    }
    assert "old-waiting" not in found and "stalled" not in found and "eviction" not in found


def test_no_retries(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    add(redis_url, "bare", 2)
    f = finding(bullmq_backend, "bare", "no-retries")
    assert f.seen.startswith("2 of 2 recent jobs")
    assert "attempts" in f.fix
    assert "no-backoff" not in codes(bullmq_backend, "bare")


def test_retries_without_backoff(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    add(redis_url, "nobackoff", 2, **{k: v for k, v in GOOD.items() if k != "backoff"})
    found = codes(bullmq_backend, "nobackoff")
    assert "no-backoff" in found and "no-retries" not in found


def test_failed_kept_forever(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    run_node("metrics_run.mjs", redis_url, "dlq", "0", "2", "0")  # attempts 1, no removeOnFail
    f = finding(bullmq_backend, "dlq", "failed-kept")
    assert "2 failed jobs are kept" in f.seen
    assert "removeOnFail" in f.fix
    add(redis_url, "dlq-ok", 1, **GOOD)
    assert "failed-kept" not in codes(bullmq_backend, "dlq-ok")


def test_completed_unbounded_with_memory(
    bullmq_backend: Any, node_modules: Path, redis_url: str
) -> None:
    run_node("metrics_run.mjs", redis_url, "done", "4", "0", "0")
    health.forget_all()
    report = run(bullmq_backend, health.check_queue(bullmq_backend, "done"))
    assert report is not None
    assert report.sample.completed == 4
    assert (report.sample.completed_memory_bytes or 0) > 0
    f = next(f for f in report.findings if f.code == "completed-kept")
    assert "4 completed jobs are kept" in f.seen and "They use about" in f.seen


def test_large_payloads(
    bullmq_backend: Any, node_modules: Path, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"HEALTH_PAYLOAD_BYTES": 1000}
    ids = add(redis_url, "big", 2, {"blob": "x" * 5000}, **GOOD)
    f = finding(bullmq_backend, "big", "large-payloads")
    assert f.seen.startswith("2 recent jobs carry more than 1000") and "4.9" in f.seen
    assert ids[0] in f.seen or ids[1] in f.seen
    add(redis_url, "small", 2, {"blob": "x" * 100}, **GOOD)
    assert "large-payloads" not in codes(bullmq_backend, "small")


def test_no_worker_while_jobs_wait(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    add(redis_url, "orphan", 3, **GOOD)
    assert "3 jobs are waiting" in finding(bullmq_backend, "orphan", "no-workers").seen
    # A worker busy with one long job while the others wait: no finding.
    add(redis_url, "served", 3, {"sleep": 20_000}, **GOOD)
    worker = start_node_worker(redis_url, "served", 1, 0)
    try:
        time.sleep(0.5)
        bullmq_backend._presence = None  # the presence kept a few seconds, read again
        assert "no-workers" not in codes(bullmq_backend, "served")
    finally:
        stop_worker(worker)


def test_oldest_waiting(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    add(redis_url, "old", 1, timestamp=int(time.time() * 1000) - 3_600_000, **GOOD)
    f = finding(bullmq_backend, "old", "old-waiting")
    assert "waited 60 minutes" in f.seen
    add(redis_url, "fresh", 1, **GOOD)
    assert "old-waiting" not in codes(bullmq_backend, "fresh")


def test_stalled_job(
    bullmq_backend: Any, node_modules: Path, redis_url: str, r: redis.Redis
) -> None:
    (job_id,) = add(redis_url, "stall", 1, {"sleep": 60_000}, **GOOD)
    worker = start_node_worker(redis_url, "stall", 1, 0)
    deadline = time.time() + 10
    while r.llen("bull:stall:active") == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert "stalled" not in codes(bullmq_backend, "stall")  # the worker holds its lock
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    r.delete(f"bull:stall:{job_id}:lock")  # its lock expires (lockDuration) without renewal
    assert "1 active job has lost its lock" in finding(bullmq_backend, "stall", "stalled").seen


def test_eviction_policy(
    bullmq_backend: Any, node_modules: Path, redis_url: str, r: redis.Redis
) -> None:
    add(redis_url, "evict", 1, **GOOD)
    assert "eviction" not in codes(bullmq_backend, "evict")
    r.config_set("maxmemory-policy", "allkeys-lru")
    f = finding(bullmq_backend, "evict", "eviction")
    assert "allkeys-lru" in f.seen and f.severity == health.Severity.CRITICAL


def test_rate_limited_for_long(bullmq_backend: Any, node_modules: Path, redis_url: str) -> None:
    add(redis_url, "limited", 1, **GOOD)
    assert "rate-limited" not in codes(bullmq_backend, "limited")
    run_node("rate_limit.mjs", redis_url, "limited", "600000")
    assert "rate-limited" in codes(bullmq_backend, "limited")
    run_node("rate_limit.mjs", redis_url, "limited", "5000")  # a short limit is normal
    assert "rate-limited" not in codes(bullmq_backend, "limited")


def test_panel_escapes_and_overview_badge(
    staff_client: Any, bullmq_backend: Any, node_modules: Path, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"HEALTH_PAYLOAD_BYTES": 10, "HEALTH_CACHE_SECONDS": 60}
    run_node(
        "add_jobs.mjs",
        redis_url,
        "<b>q</b>",
        "1",
        json.dumps({"blob": "y" * 50}),
        json.dumps({"jobId": "<img src=x onerror=alert(1)>"}),
    )
    queue_page = staff_client.get("/queue/bullmq/<b>q</b>/").content.decode()
    assert 'id="health-panel" hx-get="/queue/bullmq/%3Cb%3Eq%3C/b%3E/health/"' in queue_page
    overview = staff_client.get("/").content.decode()
    assert "health finding" not in overview  # nobody looked yet: no read, no badge
    panel = staff_client.get("/queue/bullmq/<b>q</b>/health/", HTTP_HX_REQUEST="true")
    text = panel.content.decode()
    assert panel.status_code == 200
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert 'data-code="no-retries"' in text and 'data-code="large-payloads"' in text
    overview = staff_client.get("/").content.decode()
    assert "health findings" in overview


def commands(r: redis.Redis) -> dict[str, int]:
    stats = r.info("commandstats")
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_cost_bounded_and_cached(
    bullmq_backend: Any, node_modules: Path, redis_url: str, r: redis.Redis, settings: Any
) -> None:
    settings.QUEUEBOARD = {"HEALTH_SAMPLE": 20, "HEALTH_CACHE_SECONDS": 60}
    add(redis_url, "small", 30)
    add(redis_url, "large", 3000)

    def cost(queue: str) -> dict[str, int]:
        health.forget_all()
        bullmq_backend._presence = None
        run(bullmq_backend, health.check_queue(bullmq_backend, queue))  # connect, load script
        health.forget_all()
        bullmq_backend._presence = None
        before = commands(r)
        run(bullmq_backend, health.check_queue(bullmq_backend, queue))
        after = delta(before, commands(r))
        after.pop("info", None)  # ours (commandstats) and the script's INFO memory
        return after

    small, large = cost("small"), cost("large")
    assert large.get("evalsha") == 1 and large.get("client|list") == 1
    # Job reads are bounded by the sample, not by the queue's size.
    assert large.get("hget", 0) <= small.get("hget", 0) + 2
    assert sum(large.values()) <= 6 * 20 * 3 + 40
    # Cached: a second check within HEALTH_CACHE_SECONDS sends nothing.
    before = commands(r)
    run(bullmq_backend, health.check_queue(bullmq_backend, "large"))
    assert not {k for k in delta(before, commands(r)) if k != "info"}


def test_overview_badges_add_no_reads(
    staff_client: Any, bullmq_backend: Any, node_modules: Path, redis_url: str, r: redis.Redis
) -> None:
    names = ["alpha", "beta", "gamma"]
    for name in names:
        add(redis_url, name, 2)

    def overview_cost() -> tuple[dict[str, int], str]:
        before = commands(r)
        text = staff_client.get("/").content.decode()
        spent = delta(before, commands(r))
        spent.pop("info", None)
        return spent, text

    overview_cost()  # warm: connection, discovery, scripts
    without, text = overview_cost()
    assert "health finding" not in text
    for name in names:
        assert staff_client.get(f"/queue/bullmq/{name}/health/").status_code == 200
    with_badges, text = overview_cost()
    assert text.count('#health-panel"') == len(names)
    assert with_badges == without  # the badges come from kept results: no command more
