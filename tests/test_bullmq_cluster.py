"""The BullMQ backend on a real Redis Cluster (three primaries, three replicas) with the
hash-tagged prefix ``{bull}``: pages, actions, workers and the live reader, and a primary
failing over (gently, and by its process being killed) during page views and a bulk retry."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from bullmq import Queue, Worker
from django.core import checks
from django.test import Client
from django.urls import reverse
from redis.asyncio.cluster import RedisCluster

from queues.backends.bullmq import BullMQBackend
from queues.backends.bullmq.cluster import hash_tag
from queues.states import JobState
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action, wait_for_run
from tests.bullmq_producers import HOUR_MS, job_hash, processor, wait_for
from tests.fixtures_bullmq import jobs_by_state
from tests.redis_cluster import ClusterSetup, start_cluster

pytestmark = pytest.mark.django_db(transaction=True)

PREFIX = "{bull}"
Q = "orders"


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterSetup]:
    setup = start_cluster()
    yield setup
    setup.stop()


@pytest.fixture
def cluster_backend(cluster: ClusterSetup, settings: Any) -> Any:
    cluster.wait_ok()
    cluster.flushall()
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": {"url": cluster.url, "prefix": PREFIX, "cluster": True},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    from queues.backends import backends

    return backends["bullmq"]


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS, "add_jobs", "edit_jobs"))
    return client


def connection(cluster: ClusterSetup) -> RedisCluster:
    """How an app gives the Python ``bullmq`` package a cluster (it reads replies as text)."""
    return RedisCluster.from_url(cluster.url, decode_responses=True)


def opts(cluster: ClusterSetup, **more: Any) -> dict[str, Any]:
    return {"connection": connection(cluster), "prefix": PREFIX, **more}


async def seed(cluster: ClusterSetup, name: str = Q) -> dict[str, list[str]]:
    """Jobs in every common state, written by bullmq's Queue and Worker through the cluster."""
    queue = Queue(name, opts(cluster))
    try:
        done = [await queue.add("work", {"n": n, "fail": n % 2 == 0}) for n in range(1, 6)]
        worker = Worker(name, processor, opts(cluster, name="py-worker", drainDelay=1))

        async def finished() -> bool:
            counts = await queue.getJobCounts("completed", "failed")
            return bool(counts["completed"] + counts["failed"] >= len(done))

        try:
            await wait_for(finished)
        finally:
            await worker.close(force=True)
        waiting = [await queue.add("work", {"n": n}) for n in range(3)]
        delayed = [await queue.add("later", {"n": 0}, {"delay": HOUR_MS})]
        prioritized = [await queue.add("urgent", {"n": 0}, {"priority": 3})]
        return {
            "completed": [j.id for j in reversed(done) if not j.data["fail"]],
            "failed": [j.id for j in reversed(done) if j.data["fail"]],
            "waiting": [j.id for j in reversed(waiting)],
            "delayed": [j.id for j in delayed],
            "prioritized": [j.id for j in prioritized],
        }
    finally:
        await queue.close()


def write_failed(cluster: ClusterSetup, queue: str, count: int) -> list[str]:
    """``count`` jobs failed an hour ago, written as a worker leaves them, in one pipeline
    through the cluster client (every key in the slot of ``{bull}``)."""
    base = f"{PREFIX}:{queue}:"
    finished = int(time.time() * 1000) - HOUR_MS
    ids = [str(n) for n in range(1, count + 1)]
    client = cluster.client()
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hset(base + "meta", "opts.maxLenEvents", 10000)
        pipe.set(base + "id", count)
        for n, job_id in enumerate(ids):
            fields = job_hash(
                job_id,
                timestamp=finished - 1000,
                processedOn=finished - 10,
                finishedOn=finished + n,
                atm=1,
                ats=1,
                failedReason="boom",
            )
            pipe.zadd(base + "failed", {job_id: finished + n})
            pipe.hset(base + job_id, mapping=fields)
        pipe.execute()
    finally:
        client.close()
    return ids


def where_jobs_are(cluster: ClusterSetup, queue: str) -> dict[str, list[str]]:
    """Job id -> every state key holding it, read through the cluster."""
    client = redis.RedisCluster(host="127.0.0.1", port=cluster.ports[0], decode_responses=True)
    try:
        return jobs_by_state(client, PREFIX, queue)
    finally:
        client.close()


def pages(ids: dict[str, list[str]]) -> list[str]:
    return [
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:queue", args=["bullmq", Q]) + "?state=failed",
        reverse("queues:job", args=["bullmq", Q, ids["failed"][0]]),
    ]


def test_hash_tags_and_the_checks_of_the_cluster_option(
    cluster: ClusterSetup, cluster_backend: Any
) -> None:
    assert [hash_tag(p) for p in ("{bull}", "app{x}:bull", "bull", "{}bull", "{bull")] == [
        "bull",
        "x",
        None,
        None,
        None,
    ]
    assert cluster_backend.check() == []

    def errors(**options: Any) -> list[str]:
        backend = BullMQBackend("bullmq", {"OPTIONS": {"url": cluster.url, **options}})
        return [m.msg for m in backend.check() if m.level == checks.ERROR]

    (plain,) = errors(cluster=True, prefix="bull")
    assert "must hold a hash tag, such as '{bull}'" in plain and "not supported yet" in plain
    (default,) = errors(cluster=True)  # the default prefix, bull, has none either
    assert "'bull' has none" in default
    (typed,) = errors(cluster="yes", prefix=PREFIX)
    assert typed.endswith("The 'cluster' option must be True or False.")
    sentinel = BullMQBackend(
        "bullmq",
        {"OPTIONS": {"url": "redis+sentinel://127.0.0.1:1/m/0", "cluster": True, "prefix": PREFIX}},
    )
    assert any("redis:// (or rediss://) URL of a node" in m.msg for m in sentinel.check())
    assert errors(cluster=False, prefix="bull") == []
    nobody = BullMQBackend(
        "bullmq", {"OPTIONS": {"url": "redis://127.0.0.1:1/0", "cluster": True, "prefix": PREFIX}}
    )
    (warning,) = nobody.check()
    assert warning.level == checks.WARNING and "Redis Cluster node at 127.0.0.1:1" in warning.msg


def test_the_standalone_board_reads_a_cluster_with_redis_cluster_1(
    cluster: ClusterSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``REDIS_CLUSTER=1`` beside ``REDIS_URL`` (any node) and ``BULLMQ_PREFIX={bull}``."""
    import importlib

    import board.settings

    cluster.flushall()
    asyncio.run(seed(cluster, "standalone"))
    monkeypatch.setenv("REDIS_URL", cluster.url)
    monkeypatch.setenv("REDIS_CLUSTER", "1")
    monkeypatch.setenv("BULLMQ_PREFIX", PREFIX)
    monkeypatch.setenv("SECRET_KEY", "x")
    try:
        entry = importlib.reload(board.settings).QUEUEBOARD_BACKENDS["bullmq"]
    finally:
        monkeypatch.undo()
        importlib.reload(board.settings)
    assert entry["OPTIONS"]["cluster"] is True
    backend = BullMQBackend("bullmq", entry)
    assert backend.check() == []

    async def read() -> Any:
        try:
            return await backend.list_queues()
        finally:
            await backend.close()

    (queue,) = asyncio.run(read())
    assert queue.name == "standalone" and queue.problem is None
    assert queue.counts[JobState.COMPLETED] + queue.counts[JobState.FAILED] == 5


def test_queues_with_their_own_hash_tags_are_refused_clearly(
    cluster: ClusterSetup, settings: Any, operator: Client
) -> None:
    """Per-queue hash tags (``{q1}`` under ``bull``) are not read yet: a 503 naming the cause,
    never pages that half work."""
    cluster.flushall()

    async def produce() -> None:
        queue = Queue("{q1}", {"connection": connection(cluster), "prefix": "bull"})
        try:
            await queue.add("work", {})
        finally:
            await queue.close()

    asyncio.run(produce())
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "OPTIONS": {"url": cluster.url, "prefix": "bull", "cluster": True},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    for url in (reverse("queues:queue", args=["bullmq", "{q1}"]), reverse("queues:api-queues")):
        response = operator.get(url)
        body = response.content.decode()
        assert response.status_code in (200, 503), (url, body[:500])
        if response.status_code == 200:  # the overview lists the backend as unavailable
            assert "must hold a hash tag" in json.dumps(response.json())
        else:
            assert "must hold a hash tag" in body and "Traceback" not in body


def test_pages_counts_search_and_a_job_on_the_cluster(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client
) -> None:
    ids = asyncio.run(seed(cluster))
    data = operator.get(reverse("queues:api-queues")).json()
    (entry,) = [q for q in data["queues"] if q["backend"] == "bullmq"]
    assert entry["name"] == Q
    for state, listed in ids.items():
        assert entry["counts"][state] == len(listed), state
    assert operator.get(reverse("queues:overview")).status_code == 200
    for state, listed in ids.items():
        page = operator.get(reverse("queues:queue", args=["bullmq", Q]), {"state": state})
        assert page.status_code == 200, state
        body = page.content.decode()
        for job_id in listed:
            assert reverse("queues:job", args=["bullmq", Q, job_id]) in body, (state, job_id)
        api = operator.get(reverse("queues:api-jobs", args=["bullmq", Q]), {"state": state})
        assert [job["id"] for job in api.json()["jobs"]] == listed, state
    url = reverse("queues:api-job", args=["bullmq", Q, ids["failed"][0]])
    job = operator.get(url).json()["job"]
    assert job["state"] == "failed" and "boom" in json.dumps(job)
    page = operator.get(reverse("queues:job", args=["bullmq", Q, ids["completed"][0]]))
    assert page.status_code == 200 and "doubled" in page.content.decode()
    found = operator.get(
        reverse("queues:api-jobs", args=["bullmq", Q]), {"state": "waiting", "q": "later"}
    ).json()
    assert found["total"] == 0
    found = operator.get(
        reverse("queues:api-jobs", args=["bullmq", Q]), {"state": "delayed", "q": "later"}
    ).json()
    assert [job["id"] for job in found["jobs"]] == ids["delayed"]


def test_the_kept_queue_list_is_in_the_prefix_slot(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client
) -> None:
    asyncio.run(seed(cluster, "kept"))
    assert operator.get(reverse("queues:overview")).status_code == 200
    kept = f"{PREFIX}:queueboard:queues"
    client = cluster.client()
    try:
        assert client.keyslot(kept) == client.keyslot(f"{PREFIX}:kept:meta")
        assert client.smembers(kept) == {b"kept"}
    finally:
        client.close()


def test_workers_are_read_from_every_node(cluster: ClusterSetup, cluster_backend: Any) -> None:
    async def scenario() -> tuple[Any, set[str], int]:
        queue = Queue("served", opts(cluster))
        await queue.add("work", {})
        worker = Worker("served", processor, opts(cluster, name="w1", drainDelay=1))

        async def named() -> bool:
            workers = await cluster_backend.list_workers("served")
            return bool(workers)

        try:
            await wait_for(named)
            # The worker opens its connections as it starts: its nodes are counted first, so
            # that the board's count, read after, has each of them.
            everywhere = await connection(cluster).client_list(target_nodes=RedisCluster.ALL_NODES)
            nodes = sum(
                1
                for entries in everywhere.values()
                if any(e.get("name", "").endswith(":w:w1") for e in entries)
            )
            workers = await cluster_backend.list_workers("served")
            missing = await cluster_backend.queues_without_workers(["served", "idle"])
            return workers, missing, nodes
        finally:
            await worker.close(force=True)
            await queue.close()
            await cluster_backend.close()

    workers, missing, nodes = asyncio.run(scenario())
    ((worker),) = workers
    assert worker.name == "w1"
    assert nodes >= 2  # the worker names its connection on every node it uses
    assert worker.connections >= nodes
    assert missing == {"idle"}


def test_the_live_reader_sees_a_jobs_progress_on_the_cluster(
    cluster: ClusterSetup, cluster_backend: Any, settings: Any, staff_user: Any
) -> None:
    from tests import live_helpers as live

    live.use_live(settings)
    cookie = live.session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("live", opts(cluster))
        job = await queue.add("one", {"n": 1})
        comm = live.communicator(f"/ws/queue/bullmq/live/job/{job.id}/", cookie)
        release = asyncio.Event()
        try:
            assert (await comm.connect(timeout=5))[0]
            await live.receive_until(comm, lambda m: 'id="job-state"' in live.content(m), wait=15)
            await asyncio.sleep(0.5)  # the watch reaches the reader

            async def work(job: Any, token: str) -> Any:
                await job.updateProgress(30)
                await release.wait()
                return 1

            worker = Worker("live", work, opts(cluster, drainDelay=1))
            try:
                await live.receive_until(
                    comm,
                    lambda m: (
                        'id="job-progress"' in live.content(m) and 'value="30"' in live.content(m)
                    ),
                    wait=15,
                )
                release.set()
                await live.receive_until(
                    comm, lambda m: ">Completed</span>" in live.content(m), wait=15
                )
            finally:
                await worker.close(force=True)
        finally:
            await comm.disconnect()
            await live.stop_live()
            await queue.close()

    asyncio.run(scenario())


def test_a_bulk_retry_and_a_clean_on_the_cluster(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client, settings: Any
) -> None:
    """A retry of every failed job runs in the bulk runner's own event loop (a second loop
    beside the requests'): each loop has its own cluster client."""
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 50}
    ids = write_failed(cluster, "many", 230)
    assert operator.get(reverse("queues:queue", args=["bullmq", "many"])).status_code == 200
    started = queue_action(operator, "bullmq", "many", "retry-all")
    assert started.status_code == 202, started.content
    run = wait_for_run(operator, started.json()["run"]["id"])
    assert (run["status"], run["done"]) == ("finished", 230), run
    where = where_jobs_are(cluster, "many")
    assert sorted(where, key=int) == ids
    assert all(states == ["wait"] for states in where.values())
    again = queue_action(operator, "bullmq", "many", "empty")
    run = wait_for_run(operator, again.json()["run"]["id"])
    assert (run["status"], run["done"]) == ("finished", 230), run
    assert where_jobs_are(cluster, "many") == {}


def test_every_bullmq_module_reads_and_writes_within_the_prefix_slot(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client
) -> None:
    """The schedules, server details, history, limits, totals, failure groups, flows, job
    changes, a single retry and a clean, each on the cluster: every script and pipeline of
    them stays in the slot of ``{bull}`` (a cross-slot one would be refused: a 500 here)."""
    ids = asyncio.run(seed(cluster))

    async def scheduler() -> str:
        queue = Queue(Q, opts(cluster))
        try:
            job = await queue.upsertJobScheduler("hourly", {"every": HOUR_MS}, job_name="report")
            return str(job.id)
        finally:
            await queue.close()

    asyncio.run(scheduler())
    alias = "bullmq"
    pages_and_apis = [
        reverse("queues:schedules"),
        reverse("queues:queue-schedules", args=[alias, Q]),
        reverse("queues:schedule", args=[alias, Q, "hourly"]),
        reverse("queues:api-schedules"),
        reverse("queues:api-queue-schedules", args=[alias, Q]),
        reverse("queues:api-schedule", args=[alias, Q, "hourly"]),
        reverse("queues:server", args=[alias]),
        reverse("queues:api-server", args=[alias]),
        reverse("queues:queue-history", args=[alias, Q]),
        reverse("queues:api-metrics", args=[alias, Q]),
        reverse("queues:queue-limits", args=[alias, Q]),
        reverse("queues:api-queue-limits", args=[alias, Q]),
        reverse("queues:queue-health", args=[alias, Q]),
        reverse("queues:failures"),
        reverse("queues:failure-groups", args=[alias, Q]),
        reverse("queues:api-failure-groups", args=[alias, Q]),
        reverse("queues:api-workers", args=[alias, Q]),
        reverse("queues:job-flow", args=[alias, Q, ids["completed"][0]]),
        reverse("queues:job", args=[alias, Q, ids["delayed"][0]]),
    ]
    for url in pages_and_apis:
        response = operator.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:800])
    listed = operator.get(reverse("queues:api-queue-schedules", args=[alias, Q])).json()
    assert "hourly" in json.dumps(listed)
    server = json.dumps(operator.get(reverse("queues:api-server", args=[alias])).json())
    assert '"cluster"' in server, server  # INFO of the primary holding the prefix's slot
    # job_changes.py: add, edit and reschedule through the cluster.
    added = operator.post(
        reverse("queues:api-jobs", args=[alias, Q]),
        {"name": "from-board", "data": {"n": 7}, "options": {}},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    new_id = added.json()["job"]["id"]
    edited = operator.post(
        reverse("queues:api-job-edit", args=[alias, Q, new_id]),
        {"data": {"n": 8}},
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    # job_actions.py: one job retried, then a selection removed.
    failed = ids["failed"][0]
    retried = operator.post(reverse("queues:api-job-action", args=[alias, Q, failed, "retry"]))
    assert retried.status_code == 200, retried.content
    assert where_jobs_are(cluster, Q)[failed] == ["wait"]
    removed = operator.post(
        reverse("queues:api-selection", args=[alias, Q, "remove"]),
        {"ids": ids["failed"][1:]},
        content_type="application/json",
    )
    assert removed.status_code == 200, removed.content
    assert not set(ids["failed"][1:]) & set(where_jobs_are(cluster, Q))
    # queue_actions.py: a clean of the completed jobs (the grace of 0 s takes them all).
    cleaned = queue_action(operator, alias, Q, "clean", state="completed", grace="0s")
    assert cleaned.status_code == 202, cleaned.content
    run = wait_for_run(operator, cleaned.json()["run"]["id"])
    assert (run["status"], run["done"]) == ("finished", len(ids["completed"])), run
    assert not set(ids["completed"]) & set(where_jobs_are(cluster, Q))


# -- a primary failing over ----------------------------------------------------------------------


def views_during(
    cluster: ClusterSetup, operator: Client, urls: list[str], switch: Any
) -> list[int]:
    """Every status the ``urls`` answer while ``switch()`` runs in a thread, and until the
    cluster is whole again; each refusal must be a 503 that names the cause."""
    import threading

    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            switch()
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    statuses: list[int] = []
    try:
        while not done.is_set():
            for url in urls:
                response = operator.get(url)
                statuses.append(response.status_code)
                body = response.content.decode()
                assert response.status_code in (200, 503), (url, response.status_code, body[:800])
                if response.status_code == 503:
                    # The node of the URL, said to be a cluster's: the failed one is in the detail.
                    assert "Redis at 127.0.0.1:" in body, (url, body[:800])
                    assert "(Redis Cluster)" in body, (url, body[:800])
                    assert "Traceback" not in body
    finally:
        thread.join()
    assert not errors, errors
    return statuses


def test_a_reshard_of_the_prefix_slot_during_page_views(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client
) -> None:
    """The slot of ``{bull}`` moves to another primary while pages are read: halfway, with
    keys on both nodes (ASK redirects, scripts refused with TRYAGAIN), the pages answer 200 or
    a clear 503, never a 500; once moved (MOVED), they are whole again by themselves."""
    seeded = asyncio.run(seed(cluster))
    urls = [*pages(seeded), reverse("queues:api-job", args=["bullmq", Q, seeded["failed"][0]])]
    for url in urls:
        assert operator.get(url).status_code == 200, url
    key = f"{PREFIX}:{Q}:meta"
    to = next(port for port in cluster.primaries() if port != cluster.owner(key))
    seen: list[int] = []

    def midway() -> None:
        for url in urls:
            response = operator.get(url)
            body = response.content.decode()
            seen.append(response.status_code)
            assert response.status_code in (200, 503), (url, response.status_code, body[:800])
            if response.status_code == 503:
                assert "Redis at 127.0.0.1:" in body and "Traceback" not in body, body[:800]

    cluster.move_slot(key, to, midway)
    assert cluster.owner(key) == to
    for url in urls:
        response = operator.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:800])
    for _ in range(4):  # each request loop's client, each with the map it had before the move
        data = operator.get(reverse("queues:api-queues")).json()
        (entry,) = [q for q in data["queues"] if q["backend"] == "bullmq"]
        assert {s: entry["counts"][s] for s in seeded} == {s: len(v) for s, v in seeded.items()}


@pytest.mark.parametrize("how", ["failover", "kill"])
def test_a_primary_fails_over_during_page_views_and_a_bulk_retry(
    cluster: ClusterSetup, cluster_backend: Any, operator: Client, settings: Any, how: str
) -> None:
    """The primary of ``{bull}``'s slot is replaced by its replica (``CLUSTER FAILOVER`` on the
    replica, or the primary's process killed) while pages are read and every failed job is
    retried in small batches: the pages answer 200 or a clear 503, never a 500, and are whole
    again afterwards; the retry ends with every job in ``wait`` exactly once."""
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 20}
    count = 3000
    ids = write_failed(cluster, "many", count)
    seeded = asyncio.run(seed(cluster))
    urls = pages(seeded)
    for url in urls:
        assert operator.get(url).status_code == 200, url
    started = queue_action(operator, "bullmq", "many", "retry-all")
    assert started.status_code == 202, started.content
    run_id = started.json()["run"]["id"]
    deadline = time.monotonic() + 30
    while operator.get(reverse("queues:api-run", args=[run_id])).json()["run"]["batches"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    key = f"{PREFIX}:many:failed"
    moved: list[tuple[int, int]] = []

    def switch() -> None:
        moved.append(cluster.failover(key) if how == "failover" else cluster.kill_primary(key))

    views_during(cluster, operator, urls, switch)
    ((old, new),) = moved
    assert cluster.owner(key) == new != old
    run = wait_for_run(operator, run_id, timeout=120)
    assert run["status"] == "finished", run
    where = where_jobs_are(cluster, "many")
    assert sorted(where, key=int) == ids  # none lost
    assert all(states == ["wait"] for states in where.values())  # none twice, none left
    assert run["done"] >= count  # a batch whose reply was lost with the primary is redone
    for url in urls:  # whole again, on the same client
        response = operator.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:800])
    if how == "kill":
        cluster.rejoin(old)  # back as a replica, for the tests after this one
