"""The sidebar's entries are rendered once per content (``queueboard_sidebar._ENTRIES``) and
joined on every page: the same markup as rendering them afresh, per language, per current
queue and per mount point, escaped, and only the entries the viewer may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix
from django.utils import translation

from queues.backends import backends
from queues.backends.types import QueueSummary
from queues.reading import BackendSection
from queues.sidebar import build_sidebar
from queues.states import JobState
from queues.templatetags import queueboard_sidebar
from queues.templatetags.queueboard_sidebar import _entry, sidebar_entries
from tests.test_sidebar import entries, seed, sidebar_of


def section(failed: dict[str, int]) -> BackendSection:
    backend = backends["tasks"]
    queues = [
        QueueSummary(backend="tasks", name=name, counts={JobState.FAILED: count})
        for name, count in failed.items()
    ]
    return BackendSection(backend, queues)


def rendered(failed: dict[str, int], current: str | None = None) -> str:
    (group,) = build_sidebar([section(failed)], ("tasks", current) if current else None).groups
    return str(sidebar_entries(group))


def afresh(failed: dict[str, int], current: str | None = None) -> str:
    """The same entries, none taken from the kept ones."""
    (group,) = build_sidebar([section(failed)], ("tasks", current) if current else None).groups
    return "\n".join(
        _entry("tasks", queueboard_sidebar.queue_display(group.backend, e.name), e.url,
               e.failed, e.current)
        for e in group.entries
    )  # fmt: skip


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    queueboard_sidebar._ENTRIES.clear()


def test_kept_entries_are_the_markup_rendered_afresh() -> None:
    counts = {"emails": 2, "billing": 0, "zeta": 1}
    first = rendered(counts, "emails")
    assert len(queueboard_sidebar._ENTRIES) == 3
    assert rendered(counts, "emails") == first == afresh(counts, "emails")
    assert len(queueboard_sidebar._ENTRIES) == 3  # the second page rendered nothing


def test_a_changed_count_or_current_queue_is_a_new_entry() -> None:
    before = rendered({"emails": 2, "zeta": 1}, "emails")
    counted = rendered({"emails": 3, "zeta": 1}, "emails")
    assert 'title="3 failed jobs"' in counted and 'title="3 failed jobs"' not in before
    moved = rendered({"emails": 2, "zeta": 1}, "zeta")
    assert moved.count('aria-current="page"') == 1
    assert 'title="zeta" aria-current="page"' in moved
    assert moved != before and moved == afresh({"emails": 2, "zeta": 1}, "zeta")


def test_each_language_has_its_own_entries() -> None:
    english = rendered({"emails": 2})
    with translation.override("de"):
        german = rendered({"emails": 2})
    assert german != english and german == afresh_in("de", {"emails": 2})
    assert rendered({"emails": 2}) == english


def afresh_in(language: str, failed: dict[str, int]) -> str:
    with translation.override(language):
        return afresh(failed)


def test_entries_follow_the_mount_point() -> None:
    plain = rendered({"emails": 1})
    set_script_prefix("/ops/")
    try:
        mounted = rendered({"emails": 1})
    finally:
        set_script_prefix("/")
    assert 'href="/ops/' in mounted and 'href="/ops/' not in plain


def test_hostile_names_are_escaped_when_kept() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    for _ in range(2):
        html = rendered({hostile: 1})
        assert "<img" not in html and "&lt;img" in html


def test_the_kept_entries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queueboard_sidebar, "ENTRIES_KEPT", 3)
    for n in range(10):
        rendered({f"q{n}": n})
    assert len(queueboard_sidebar._ENTRIES) <= 3


def root_sees_secret(user: Any, backend: str | None, queue: str | None) -> bool:
    """Staff see every queue but "secret", which only superusers see."""
    return bool(user.is_staff) and (queue != "secret" or bool(user.is_superuser))


@pytest.mark.django_db(transaction=True)
def test_a_viewer_sees_only_their_queues_after_another_viewer(
    django_user_model: Any, bullmq_settings: dict[str, Any], redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"ACCESS": f"{__name__}.root_sees_secret"}
    root, staff = Client(), Client()
    root.force_login(django_user_model.objects.create_superuser("root", is_staff=True))
    staff.force_login(django_user_model.objects.create_user("s", is_staff=True))
    seed(redis_url, {"emails": 1, "secret": 3})
    url = reverse("queues:queue", args=["bullmq", "emails"])
    for _ in range(2):  # the second round takes kept entries
        everyone = [name for name, _, _ in entries(sidebar_of(root.get(url).text))]
        limited = [name for name, _, _ in entries(sidebar_of(staff.get(url).text))]
        assert everyone == ["emails", "secret"] and limited == ["emails"]
