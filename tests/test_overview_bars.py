"""Each overview row draws its queue's counts as one bar of state colours (an SVG, no inline
style: the CSP holds), in the states' order, each state's share of the jobs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from queues import fragments
from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)

RECT = re.compile(r'<rect class="state-([\w-]+)" x="([\d.]+)" width="([\d.]+)" height="1"/>')


def bar_of(body: str, queue: str) -> str:
    row = re.search(rf'<tr class="qb-queue-row" data-queue="{queue}".*?</tr>', body, re.S)
    assert row, body[:2000]
    bar = re.search(r"<svg class=\"qb-bar\".*?</svg>", row.group(0), re.S)
    assert bar, row.group(0)
    return bar.group(0)


def test_bar_shows_each_state_share_in_order(staff_client: Any, env: ContractEnv) -> None:
    body = staff_client.get(reverse("queues:overview")).content.decode()
    bar = bar_of(body, env.queue)
    assert 'aria-hidden="true"' in bar and "style" not in bar
    rects = [(state, float(x), float(width)) for state, x, width in RECT.findall(bar)]
    counts = {state.value: len(ids) for state, ids in env.ids.items() if ids}
    assert [state for state, _, _ in rects] == [
        s.value for s in env.backend.states if counts.get(s.value)
    ]
    total = sum(counts.values())
    position = 0.0
    for state, x, width in rects:
        assert x == pytest.approx(position, abs=0.01)
        assert width == pytest.approx(100 * counts[state] / total, abs=0.01)
        position += width
    assert position == pytest.approx(100, abs=0.01)


@pytest.fixture
def env(tasks_contract_env: ContractEnv) -> ContractEnv:
    return tasks_contract_env


def test_an_empty_queue_draws_an_empty_track(tasks_backend: Any) -> None:
    from queues.backends.types import QueueSummary

    queue = QueueSummary(backend="tasks", name="idle", counts={s: 0 for s in JobState})
    row = fragments.queue_row(tasks_backend, queue)
    assert '<svg class="qb-bar"' in row and "<rect" not in bar_of(row, "idle")
