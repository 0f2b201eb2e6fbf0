"""The sidebar is rendered once per content (``queueboard_sidebar._BLOCKS``), and so is each of
its entries (``_ENTRIES``), joined on every page: the same markup as rendering them afresh,
per language, per current queue and per mount point, escaped, and only the entries the viewer
may see."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
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
from queues.templatetags.queueboard_sidebar import _entry, sidebar_block, sidebar_entries
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
def empty_cache() -> Iterator[None]:
    """Empty kept markup, in English whatever an earlier test left active."""
    queueboard_sidebar._ENTRIES.clear()
    queueboard_sidebar._BLOCKS.clear()
    with translation.override("en"):
        yield


def block(failed: dict[str, int], current: str | None = None) -> str:
    return sidebar_block(build_sidebar([section(failed)], ("tasks", current) if current else None))


def test_the_block_is_rendered_once_per_content() -> None:
    first = block({"emails": 2, "zeta": 1}, "emails")
    assert block({"emails": 2, "zeta": 1}, "emails") is first
    assert (
        '<aside id="qb-sidebar"' in first and rendered({"emails": 2, "zeta": 1}, "emails") in first
    )
    assert block({"emails": 3, "zeta": 1}, "emails") is not first
    assert block({"emails": 2, "zeta": 1}, "zeta") is not first
    with translation.override("de"):
        assert block({"emails": 2, "zeta": 1}, "emails") != first
    set_script_prefix("/ops/")
    try:
        assert 'href="/ops/' in block({"emails": 2, "zeta": 1}, "emails")
    finally:
        set_script_prefix("/")


def test_a_block_made_for_another_backend_object_is_not_taken() -> None:
    """A backend made anew (settings changed) may get the address of the old one, which the
    content names it by: the kept block's weak references tell them apart."""
    first = block({"emails": 2})
    ((key, (_refs, html)),) = queueboard_sidebar._BLOCKS.items()
    other = type(backends["tasks"])("tasks", {})  # another object than the one rendered for
    queueboard_sidebar._BLOCKS[key] = ((weakref.ref(other),), html)
    again = block({"emails": 2})
    assert again is not first and again == first


def test_the_kept_blocks_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queueboard_sidebar, "BLOCKS_KEPT", 3)
    for n in range(10):
        block({f"q{n}": n})
    assert len(queueboard_sidebar._BLOCKS) <= 3


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
