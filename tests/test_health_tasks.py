"""The health check on Django Tasks: the subset it can tell (waiting tasks and the oldest one's
age, the finished counts), from tasks enqueued and run by the real framework and db_worker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from queues import health
from tests import sample_tasks
from tests.fixtures_tasks import run_worker


@pytest.fixture(autouse=True)
def fresh_health() -> Any:
    health.forget_all()
    yield
    health.forget_all()


def check(backend: Any, queue: str) -> health.HealthReport:
    health.forget_all()
    report = asyncio.run(health.check_queue(backend, queue))
    assert report is not None
    return report


def test_oldest_waiting_task(tasks_backend: Any, settings: Any) -> None:
    sample_tasks.add.using(queue_name="slow").enqueue(1, 2)
    assert "old-waiting" not in {f.code for f in check(tasks_backend, "slow").findings}
    settings.QUEUEBOARD = {"HEALTH_WAITING_SECONDS": 0.001}
    report = check(tasks_backend, "slow")
    assert report.sample.waiting == 1
    assert "old-waiting" in {f.code for f in report.findings}


def test_counts_and_no_backend_specific_findings(tasks_backend: Any) -> None:
    sample_tasks.add.using(queue_name="done").enqueue(1, 2)
    sample_tasks.fail.using(queue_name="done").enqueue()
    run_worker("done")
    report = check(tasks_backend, "done")
    assert (report.sample.completed, report.sample.failed, report.sample.waiting) == (1, 1, 0)
    # No option or Redis checks the framework cannot answer.
    assert report.findings == []


def test_panel_on_a_tasks_queue(tasks_backend: Any, staff_client: Any) -> None:
    sample_tasks.add.using(queue_name="panel").enqueue(1, 2)
    page = staff_client.get("/queue/tasks/panel/").content.decode()
    assert 'id="health-panel"' in page
    panel = staff_client.get("/queue/tasks/panel/health/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert "No findings: this queue passes every check." in panel.content.decode()
