"""A job page's backend facts ("Task path", "Worker ids", ...) read in the page's language;
the JSON API keeps their English labels as its keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_facts_in_the_pages_language_and_english_in_the_api(
    tasks_settings: Any, staff_client: Any
) -> None:
    result = sample_tasks.add.using(queue_name="facts").enqueue(1, 1)
    page = reverse("queues:job", args=["tasks", "facts", str(result.id)])
    german = staff_client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "<dt>Task-Pfad</dt>" in german and "<dt>Task path</dt>" not in german
    english = staff_client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Task path</dt>" in english
    api = staff_client.get(
        reverse("queues:api-job", args=["tasks", "facts", str(result.id)]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    body = api.json()
    assert body.get("job", body)["extra"]["Task path"] == "tests.sample_tasks.add", body
