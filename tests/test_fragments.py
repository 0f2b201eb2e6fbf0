"""Overview rows and API entries are rendered once per content and reused by every viewer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from queues import fragments
from queues.backends import backends
from queues.backends.types import QueueSummary
from queues.permissions import checks_without_io, visible_queue_names
from queues.serializers import queue_to_dict
from queues.states import JobState


def summary(name: str, failed: int, paused: bool = False) -> QueueSummary:
    counts = {JobState.WAITING: 2, JobState.FAILED: failed}
    return QueueSummary(backend="tasks", name=name, counts=counts, paused=paused)


def test_a_row_is_rendered_once_per_content() -> None:
    backend = backends["tasks"]
    first = fragments.queue_row(backend, summary("emails", 3))
    assert fragments.queue_row(backend, summary("emails", 3)) is first
    changed = fragments.queue_row(backend, summary("emails", 4))
    assert changed is not first
    assert 'aria-label="4 failed jobs in emails"' in changed
    paused = fragments.queue_row(backend, summary("emails", 4, paused=True))
    assert "Paused" in paused and "Paused" not in changed
    live = fragments.queue_row(backend, summary("emails", 4), oob=True)
    assert 'hx-swap-oob="true"' in live and 'hx-swap-oob="true"' not in changed


def test_rows_follow_the_mount_point(settings: Any) -> None:
    backend = backends["tasks"]
    plain = fragments.queue_row(backend, summary("emails", 1), prefix="/")
    mounted = fragments.queue_row(backend, summary("emails", 1), prefix="/ops/")
    assert plain is not mounted


def test_hostile_names_are_escaped_in_rows_and_json() -> None:
    backend = backends["tasks"]
    hostile = summary('<img src=x onerror="alert(1)">', 1)
    row = fragments.queue_row(backend, hostile)
    assert "<img" not in row and "&lt;img" in row
    text = fragments.queue_json(backend, hostile)
    assert "<" not in text and "\\u003cimg" in text
    assert json.loads(text) == queue_to_dict(backend, hostile)


def test_the_row_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fragments, "ROWS_KEPT", 3)
    backend = backends["tasks"]
    for n in range(10):
        fragments.queue_row(backend, summary(f"q{n}", n))
        fragments.queue_json(backend, summary(f"q{n}", n))
    assert len(fragments._ROWS) <= 3 and len(fragments._JSON) <= 3


@pytest.mark.django_db
def test_access_checks_run_on_the_loop_only_when_they_cannot_block(
    staff_user: Any, settings: Any
) -> None:
    assert checks_without_io(staff_user)
    assert checks_without_io(AnonymousUser())
    assert not checks_without_io(SimpleLazyObject(lambda: staff_user))  # not read yet
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}
    assert not checks_without_io(staff_user)


@pytest.mark.django_db
def test_queue_visibility_for_many_queues_follows_the_rule(
    staff_user: Any, plain_user: Any, settings: Any
) -> None:
    backend = backends["tasks"]
    names = ["a", "secret", "b"]
    assert visible_queue_names(staff_user, backend, names) == {"a", "secret", "b"}
    assert visible_queue_names(plain_user, backend, names) == set()
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}
    assert visible_queue_names(staff_user, backend, names) == {"a", "b"}
