"""Flows read as trees: Node bullmq's FlowProducer across queues, and a parent of 10,000."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis

from queues.backends.types import FlowNode
from queues.states import JobState

pytestmark = [pytest.mark.node]


def by_name(node: FlowNode) -> dict[str, FlowNode]:
    return {child.name: child for child in node.children}


def test_three_levels_across_two_queues(
    bullmq_backend: Any, node_produce: Callable[[str], dict[str, Any]]
) -> None:
    ids = node_produce("deep-flow")
    leaf = ids["leaves"][0]
    tree = asyncio.run(bullmq_backend.get_flow("flow-a", leaf))
    assert tree is not None
    root = tree.root
    assert (root.ref.queue, root.ref.id, root.name) == ("flow-a", ids["root"], "report <b>root</b>")
    assert root.ref.state == JobState.WAITING_CHILDREN
    assert root.children_total == 2
    mids = by_name(root)
    assert mids["mid-1"].ref.queue == "flow-b" and mids["mid-1"].ref.id == ids["mid1"]
    assert mids["mid-1"].ref.state == JobState.WAITING
    assert mids["mid-2"].ref.state == JobState.WAITING
    assert mids["mid-2"].children == () and mids["mid-2"].children_total == 0
    leaves = by_name(mids["mid-1"])
    assert set(leaves) == {"leaf <img src=x onerror=alert(1)>", "leaf-2"}
    assert {node.ref.state for node in leaves.values()} == {JobState.COMPLETED}
    assert {node.ref.queue for node in leaves.values()} == {"flow-a"}
    assert tree.current.id == leaf and not tree.cut and not tree.root_beyond
    # The same tree from the middle and from the root.
    assert asyncio.run(bullmq_backend.get_flow("flow-b", ids["mid1"])).root == root
    assert asyncio.run(bullmq_backend.get_flow("flow-a", ids["root"])).root == root


def test_a_job_in_no_flow_has_no_tree(
    bullmq_backend: Any, node_produce: Callable[[str], dict[str, Any]]
) -> None:
    ids = node_produce("basic")
    assert asyncio.run(bullmq_backend.get_flow("node-basic", ids["waiting"][0])) is None


def write_wide_flow(url: str, children: int) -> None:
    """A parent in "wide" waiting for ``children`` jobs of "wide-kids", in BullMQ's shape
    (as FlowProducer writes it), through one pipeline; half of them already completed."""
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        now = int(time.time() * 1000)
        for queue in ("wide", "wide-kids"):
            pipe.hset(f"bull:{queue}:meta", "opts.maxLenEvents", 10000)
            pipe.set(f"bull:{queue}:id", 1)
        pipe.hset(
            "bull:wide:parent",
            mapping={"name": "fan-out", "data": "{}", "opts": "{}", "timestamp": now},
        )
        pipe.zadd("bull:wide:waiting-children", {"parent": now})
        parent = '{"id":"parent","queueKey":"bull:wide"}'
        for n in range(children):
            key = f"bull:wide-kids:kid-{n:05d}"
            fields = {"name": f"part {n}", "data": "{}", "opts": "{}", "timestamp": now}
            pipe.hset(key, mapping={**fields, "parentKey": "bull:wide:parent", "parent": parent})
            if n % 2:
                pipe.zadd("bull:wide-kids:completed", {f"kid-{n:05d}": now})
                pipe.hset("bull:wide:parent:processed", key, "null")
            else:
                pipe.lpush("bull:wide-kids:wait", f"kid-{n:05d}")
                pipe.sadd("bull:wide:parent:dependencies", key)
        pipe.execute()
    finally:
        client.close()


def test_a_parent_of_ten_thousand_shows_one_page_and_the_count(
    bullmq_backend: Any, redis_url: str
) -> None:
    write_wide_flow(redis_url, 10_000)
    started = time.monotonic()
    tree = asyncio.run(bullmq_backend.get_flow("wide", "parent"))
    assert time.monotonic() - started < 5
    assert tree is not None
    root = tree.root
    assert root.name == "fan-out" and root.children_total == 10_000
    assert len(root.children) == 50
    # Pending ones first, in key order, each with its state.
    assert [child.ref.id for child in root.children[:3]] == ["kid-00000", "kid-00002", "kid-00004"]
    assert {child.ref.state for child in root.children} == {JobState.WAITING}
    page = asyncio.run(bullmq_backend.get_flow("wide", "parent", focus_page=101))
    assert page is not None
    assert page.root.children_offset == 5000
    assert [child.ref.id for child in page.root.children[:2]] == ["kid-00001", "kid-00003"]
    assert {child.ref.state for child in page.root.children} == {JobState.COMPLETED}
    # A child's page shows it, pinned, beside the first page of its siblings.
    deep = asyncio.run(bullmq_backend.get_flow("wide-kids", "kid-09999"))
    assert deep is not None
    pinned = [child for child in deep.root.children if child.pinned]
    assert [child.ref.id for child in pinned] == ["kid-09999"]


@pytest.mark.django_db
def test_the_flow_view_draws_the_tree_escaped_with_links_and_states(
    bullmq_backend: Any, node_produce: Callable[[str], dict[str, Any]], staff_client: Any
) -> None:
    ids = node_produce("deep-flow")
    leaf = ids["leaves"][0]
    page = staff_client.get(f"/queue/bullmq/flow-a/job/{leaf}/")
    html = page.content.decode()
    assert f'hx-get="/queue/bullmq/flow-a/job/{leaf}/flow"' in html
    answer = staff_client.get(f"/queue/bullmq/flow-a/job/{leaf}/flow")
    assert answer.status_code == 200
    tree = answer.content.decode()
    assert "<img src=x" not in tree and "<b>root</b>" not in tree
    assert "leaf &lt;img src=x onerror=alert(1)&gt;" in tree
    assert "report &lt;b&gt;root&lt;/b&gt;" in tree
    assert f'href="/queue/bullmq/flow-a/job/{ids["root"]}/"' in tree
    assert f'href="/queue/bullmq/flow-b/job/{ids["mid1"]}/"' in tree
    assert tree.count('aria-current="true"') == 1
    assert tree.count('class="qb-state state-completed"') == 2
    assert tree.count('class="qb-state state-waiting"') == 2
    assert 'class="qb-state state-waiting-children"' in tree


@pytest.mark.django_db
def test_the_flow_view_pages_the_children_of_a_wide_parent(
    bullmq_backend: Any, redis_url: str, staff_client: Any
) -> None:
    write_wide_flow(redis_url, 10_000)
    tree = staff_client.get("/queue/bullmq/wide/job/parent/flow").content.decode()
    assert tree.count('class="qb-flow-item"') == 51
    assert "Children 1\u201350 of 10000" in tree
    assert 'href="/queue/bullmq/wide/job/parent/?flow_page=2"' in tree
    second = staff_client.get("/queue/bullmq/wide/job/parent/flow?flow_page=2").content.decode()
    assert "Children 51\u2013100 of 10000" in second
    assert 'href="/queue/bullmq/wide/job/parent/"' in second
    assert staff_client.get("/queue/bullmq/wide/job/parent/flow?flow_page=x").status_code == 400


@pytest.mark.django_db
def test_jobs_of_hidden_queues_are_masked_in_the_tree(
    bullmq_settings: dict[str, Any],
    settings: Any,
    node_produce: Callable[[str], dict[str, Any]],
    staff_client: Any,
) -> None:
    ids = node_produce("deep-flow")
    entry = {**bullmq_settings, "HIDDEN_QUEUES": ["flow-b"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    tree = staff_client.get(f"/queue/bullmq/flow-a/job/{ids['leaves'][0]}/flow").content.decode()
    assert ">flow-b<" not in tree and ids["mid1"] not in tree and "mid-1" not in tree
    assert tree.count("A job in a queue you cannot see") == 2
    assert "report &lt;b&gt;root&lt;/b&gt;" in tree


@pytest.mark.django_db
def test_the_job_page_asks_for_the_page_of_children_it_was_given(
    bullmq_backend: Any, redis_url: str, staff_client: Any
) -> None:
    write_wide_flow(redis_url, 120)
    html = staff_client.get("/queue/bullmq/wide/job/parent/?flow_page=3").content.decode()
    assert 'hx-get="/queue/bullmq/wide/job/parent/flow?flow_page=3"' in html
    tree = staff_client.get("/queue/bullmq/wide/job/parent/flow?flow_page=3").content.decode()
    assert "Children 101\u2013120 of 120" in tree
    assert 'href="/queue/bullmq/wide/job/parent/?flow_page=2"' in tree
    assert "more children" not in tree


def test_django_tasks_has_no_flows(tasks_backend: Any, staff_client: Any) -> None:
    """A backend without ``supports_flows``: no tree on its job pages, none from its flow URL."""
    from tests.fixtures_tasks import seed_contract_queue

    job_id = seed_contract_queue("contract")[JobState.COMPLETED][0]
    assert not tasks_backend.supports_flows
    page = staff_client.get(f"/queue/tasks/contract/job/{job_id}/").content.decode()
    assert 'id="job-flow"' not in page
    tree = staff_client.get(f"/queue/tasks/contract/job/{job_id}/flow").content.decode()
    assert "qb-flow-tree" not in tree
    with pytest.raises(NotImplementedError):
        asyncio.run(tasks_backend.get_flow("contract", job_id))
