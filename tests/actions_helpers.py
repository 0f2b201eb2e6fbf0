"""Helpers for action tests: users with permissions, POSTing actions, waiting for runs."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

ALL_ACTION_PERMISSIONS = (
    "retry_jobs",
    "rerun_completed_jobs",
    "promote_jobs",
    "remove_jobs",
    "clean_queues",
    "pause_queues",
    "empty_queues",
    "change_concurrency",
    "cancel_jobs",
    "stop_jobs",
    "suspend_workers",
    "replay_dead_letters",
    "view_auditentry",
)


def grant(user: Any, *codenames: str) -> Any:
    codenames = tuple(dict.fromkeys(codenames))  # a permission named twice is granted once
    perms = Permission.objects.filter(content_type__app_label="queues", codename__in=codenames)
    assert perms.count() == len(codenames), codenames
    user.user_permissions.add(*perms)
    return type(user).objects.get(pk=user.pk)  # fresh object: no stale permission cache


def job_action(client: Client, alias: str, queue: str, job_id: str, action: str) -> Any:
    url = reverse("queues:api-job-action", args=[alias, queue, job_id, action])
    return client.post(url)


def selection(client: Client, alias: str, queue: str, action: str, ids: list[str]) -> Any:
    url = reverse("queues:api-selection", args=[alias, queue, action])
    return client.post(url, {"ids": ids}, content_type="application/json")


def queue_action(client: Client, alias: str, queue: str, action: str, **data: Any) -> Any:
    url = reverse("queues:api-queue-action", args=[alias, queue, action])
    return client.post(url, data, content_type="application/json")


def wait_for_run(client: Client, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(reverse("queues:api-run", args=[run_id])).json()["run"]
        if run["status"] not in ("queued", "running", "cancelling"):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} did not finish: {run}")
        time.sleep(0.05)
