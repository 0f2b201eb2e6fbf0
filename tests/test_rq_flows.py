"""An RQ job's dependencies as a tree, written by real ``rq`` producers (``depends_on``) and
moved on by a real ``rq worker``: the job that runs first at the top, the jobs waiting for it
below (across queues), states, bounds, a job waiting for several jobs, and the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from queues.backends.rq import flows
from queues.states import JobState
from tests import rq_jobs
from tests.rq_action_helpers import burst, producer, run

pytestmark = pytest.mark.django_db(transaction=True)


def chain(redis_url: str) -> dict[str, Any]:
    """extract (first) <- load, report (both in "later") <- publish, and join waiting for both
    extract and publish; a loner without dependencies."""
    first, later = producer(redis_url, "etl"), producer(redis_url, "later")
    extract = first.enqueue(rq_jobs.add, 1, 2, job_id="extract")
    load = later.enqueue(rq_jobs.add, 3, 4, job_id="load", depends_on=extract)
    report = later.enqueue(rq_jobs.echo, "<b>x</b>", job_id="report", depends_on=extract)
    publish = first.enqueue(rq_jobs.add, 5, 6, job_id="publish", depends_on=load)
    join = first.enqueue(rq_jobs.add, 7, 8, job_id="join", depends_on=[extract, publish])
    loner = first.enqueue(rq_jobs.add, 9, 9, job_id="loner")
    return {job.id: job for job in (extract, load, report, publish, join, loner)}


def names(node: Any) -> dict[str, Any]:
    return {
        "id": node.ref.id,
        "queue": node.ref.queue,
        "state": node.ref.state,
        "children": [names(child) for child in node.children],
    }


def test_the_tree_from_the_job_that_runs_first(rq_backend: Any, redis_url: str) -> None:
    chain(redis_url)
    tree = run(rq_backend, rq_backend.get_flow("later", "load"))
    assert tree is not None and tree.current.id == "load" and tree.current.queue == "later"
    assert not tree.root_beyond and not tree.cut
    assert names(tree.root) == {
        "id": "extract",
        "queue": "etl",
        "state": JobState.WAITING,
        "children": [
            {"id": "join", "queue": "etl", "state": JobState.DEFERRED, "children": []},
            {
                "id": "load",
                "queue": "later",
                "state": JobState.DEFERRED,
                "children": [
                    {
                        "id": "publish",
                        "queue": "etl",
                        "state": JobState.DEFERRED,
                        # join waits for extract and publish: it stands under both.
                        "children": [
                            {
                                "id": "join",
                                "queue": "etl",
                                "state": JobState.DEFERRED,
                                "children": [],
                            }
                        ],
                    }
                ],
            },
            {"id": "report", "queue": "later", "state": JobState.DEFERRED, "children": []},
        ],
    }
    assert tree.root.name == "tests.rq_jobs.add"
    assert tree.root.children_total == 3 and tree.root.queues() == {"etl", "later"}
    # A job waiting for two jobs has no single parent: its tree starts at it.
    joined = run(rq_backend, rq_backend.get_flow("etl", "join"))
    assert joined is None
    assert run(rq_backend, rq_backend.get_flow("etl", "loner")) is None


def every_node(node: Any) -> list[Any]:
    return [node, *(n for child in node.children for n in every_node(child))]


def test_states_follow_a_real_worker(rq_backend: Any, redis_url: str) -> None:
    chain(redis_url)
    burst(redis_url, "etl", "later")
    tree = run(rq_backend, rq_backend.get_flow("etl", "publish"))
    assert tree is not None
    nodes = every_node(tree.root)
    assert {node.ref.state for node in nodes} == {JobState.COMPLETED}
    # RQ forgets some dependents once it has enqueued them; the way down to the page's job
    # is still shown, from each job's own dependencies.
    assert [n.ref.id for n in nodes if n.ref.id in {"extract", "load", "publish"}] == [
        "extract",
        "load",
        "publish",
    ]


def test_bounds_page_the_children_and_keep_the_way_to_the_page_job(
    rq_backend: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = producer(redis_url, "fan")
    top = queue.enqueue(rq_jobs.add, 0, 0, job_id="top")
    for n in range(12):
        queue.enqueue(rq_jobs.add, n, n, job_id=f"leaf-{n:02d}", depends_on=top)
    tree = run(rq_backend, rq_backend.get_flow("fan", "leaf-11", per_node=5))
    assert tree is not None and tree.root.children_total == 12
    shown = [child.ref.id for child in tree.root.children]
    assert shown == ["leaf-00", "leaf-01", "leaf-02", "leaf-03", "leaf-04", "leaf-11"]
    assert tree.root.children[-1].pinned
    second = run(rq_backend, rq_backend.get_flow("fan", "top", per_node=5, focus_page=2))
    assert second is not None and second.root.children_offset == 5
    assert second.root.children[0].ref.id == "leaf-05"
    monkeypatch.setattr(flows, "SORT_CAP", 4)
    unsorted = run(rq_backend, rq_backend.get_flow("fan", "top", per_node=5))
    assert unsorted is not None and unsorted.root.unordered
    assert len(unsorted.root.children) == 5 and unsorted.root.children_total == 12


def test_the_job_page_shows_the_tree_escaped(
    staff_client: Any, rq_backend: Any, redis_url: str
) -> None:
    chain(redis_url)
    url = reverse("queues:job-flow", args=["rq", "later", "report"])
    response = staff_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "qb-flow-tree" in body and "extract" in body and "publish" in body
    assert "<b>x</b>" not in body
