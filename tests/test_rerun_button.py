"""Re-run completed from the queue page: the button on the completed tab, its confirmation
(how many jobs), and the jobs run again by a real worker; only with the permission."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue
from django.test import Client
from django.urls import reverse

from tests import bullmq_producers as producers
from tests.actions_helpers import grant, wait_for_run

pytestmark = pytest.mark.django_db(transaction=True)

Q = "again"


@pytest.fixture
def seeded(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    return asyncio.run(producers.seed_python_queue(redis_url, Q))


def test_the_button_the_confirmation_and_the_run(
    client: Client, staff_user: Any, seeded: dict[str, list[str]], redis_url: str
) -> None:
    client.force_login(grant(staff_user, "retry_jobs"))
    page = reverse("queues:queue", args=["bullmq", Q])
    confirm = reverse("queues:queue-action", args=["bullmq", Q, "retry-all"])
    assert "Re-run completed" not in client.get(page, {"state": "completed"}).content.decode()
    assert client.get(confirm, {"state": "completed"}).status_code == 403
    client.force_login(grant(staff_user, "retry_jobs", "rerun_completed_jobs"))
    html = client.get(page, {"state": "completed"}).content.decode()
    assert f'href="{confirm}?state=completed">Re-run completed</a>' in html
    asking = client.get(confirm, {"state": "completed"}).content.decode()
    assert "<strong>3</strong> jobs" in asking
    done = client.post(confirm, {"state": "completed"})
    run_id = done["Location"].rstrip("/").split("/")[-1]
    assert wait_for_run(client, run_id)["done"] == 3

    async def rerun() -> dict[str, int]:
        queue = Queue(Q, producers.opts(redis_url))
        try:
            waiting = await queue.getJobCounts("wait", "completed")
            assert waiting == {"wait": 3 + 3, "completed": 0}
            await producers.process_all(redis_url, queue, producers.processor, 2 + 6)
            return dict(await queue.getJobCounts("completed"))
        finally:
            await queue.close()

    assert asyncio.run(rerun())["completed"] >= 6
