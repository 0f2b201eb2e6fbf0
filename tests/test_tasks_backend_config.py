"""The Django Tasks backend's system checks and its database failures."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from asgiref.sync import async_to_sync
from django.core import checks
from django.db import connections

from queues.backends.django_tasks import DjangoTasksBackend
from queues.backends.errors import BackendUnavailable
from queues.backends.types import JobQuery
from queues.states import JobState
from tests.fixtures_tasks import TASKS_BACKEND

BACKEND_PATH = "queues.backends.django_tasks.DjangoTasksBackend"
IMMEDIATE = (
    "django.tasks.backends.immediate.ImmediateBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.immediate.ImmediateBackend"
)


def check_ids(settings: Any, options: dict[str, Any], **tasks: Any) -> list[str]:
    """Configure one tasks backend (and TASKS when given), run the board's checks, return ids."""
    settings.QUEUEBOARD_BACKENDS = {"tasks": {"BACKEND": BACKEND_PATH, "OPTIONS": options}}
    if tasks:
        settings.TASKS = tasks
    return [message.id for message in checks.run_checks(tags=["queueboard"])]


def test_default_configuration_passes(settings: Any) -> None:
    assert check_ids(settings, {"task_backend": "default"}) == []
    assert check_ids(settings, {}) == []
    assert check_ids(settings, {"database": "default"}) == []


def test_unknown_option_fails(settings: Any) -> None:
    assert check_ids(settings, {"task_backend": "default", "databse": "x"}) == ["queueboard.E003"]


def test_unknown_database_alias_fails(settings: Any) -> None:
    assert check_ids(settings, {"database": "nowhere"}) == ["queueboard.E101"]
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {"database": "nowhere"}})
    with pytest.raises(BackendUnavailable, match="Unknown database alias 'nowhere'"):
        async_to_sync(backend.list_queues)()


def test_malformed_tasks_setting_does_not_crash_the_check(settings: Any) -> None:
    assert check_ids(settings, {}, default="not a dict") == ["queueboard.E104"]
    settings.TASKS = ["not", "a", "dict"]
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {}})
    assert [m.id for m in backend.check()] == ["queueboard.E103"]
    assert backend.declared_queues() == []


def test_unknown_task_backend_fails(settings: Any) -> None:
    assert check_ids(settings, {"task_backend": "missing"}) == ["queueboard.E103"]


def test_task_backend_that_does_not_load_fails(settings: Any) -> None:
    ids = check_ids(settings, {}, default={"BACKEND": "nowhere.Backend"})
    assert ids == ["queueboard.E104"]


def test_task_backend_that_is_not_database_backed_fails(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {"tasks": {"BACKEND": BACKEND_PATH}}
    settings.TASKS = {"default": {"BACKEND": TASKS_BACKEND}, "fast": {"BACKEND": IMMEDIATE}}
    messages = DjangoTasksBackend("tasks", {"OPTIONS": {"task_backend": "fast"}}).check()
    assert [m.id for m in messages] == ["queueboard.E105"]
    assert "ImmediateBackend" in messages[0].msg


def test_missing_django_tasks_db_app_fails_without_crashing(settings: Any) -> None:
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "django_tasks_db"]
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {}})
    assert [m.id for m in backend.check()] == ["queueboard.E102"]
    with pytest.raises(BackendUnavailable, match="django_tasks_db"):
        async_to_sync(backend.list_queues)()


# -- database failures ------------------------------------------------------------------------


@pytest.fixture
def extra_database(django_db_blocker: Any) -> Iterator[Callable[..., str]]:
    """Add SQLite database aliases for one test, outside the test database's isolation.

    ``DATABASES`` is read once per process, so the aliases go straight into the handler.
    """
    added: list[str] = []

    def add(alias: str, name: Path | str, **options: Any) -> str:
        entry = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name), "OPTIONS": options}
        default = dict(connections.settings["default"])
        connections.settings[alias] = connections.configure_settings(
            {"default": default, alias: entry}
        )[alias]
        added.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield add
        for alias in added:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def read_everything(backend: DjangoTasksBackend) -> list[BackendUnavailable]:
    """Each reading method's error (all four must fail the same clear way)."""
    calls: list[tuple[Any, tuple[Any, ...]]] = [
        (backend.list_queues, ()),
        (backend.get_queue, ("default",)),
        (backend.list_jobs, (JobQuery("default", JobState.WAITING),)),
        (backend.get_job, ("default", "00000000-0000-0000-0000-000000000000")),
    ]
    errors = []
    for method, args in calls:
        with pytest.raises(BackendUnavailable) as info:
            async_to_sync(method)(*args)
        errors.append(info.value)
    return errors


def test_unreachable_database_is_backend_unavailable(
    extra_database: Callable[..., str], tmp_path: Path
) -> None:
    alias = extra_database("gone", tmp_path / "missing-dir" / "tasks.sqlite3")
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {"database": alias}})
    for error in read_everything(backend):
        assert "'gone'" in str(error) and "unable to open database file" in str(error)


def test_database_without_tables_is_backend_unavailable(
    extra_database: Callable[..., str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {"database": extra_database("bare", empty)}})
    for error in read_everything(backend):
        assert "no such table" in str(error)


def test_locked_database_is_backend_unavailable(
    extra_database: Callable[..., str], tmp_path: Path
) -> None:
    from django_tasks_db.models import DBTaskResult

    path = tmp_path / "tasks.sqlite3"
    alias = extra_database("impatient", path, timeout=0.05)
    with connections[alias].schema_editor() as editor:
        editor.create_model(DBTaskResult)
    backend = DjangoTasksBackend("tasks", {"OPTIONS": {"database": alias}})
    assert all(queue.total == 0 for queue in async_to_sync(backend.list_queues)())
    connections[alias].close()
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        for error in read_everything(backend):
            assert "'impatient'" in str(error) and "database is locked" in str(error)
    finally:
        locker.close()
    assert all(queue.total == 0 for queue in async_to_sync(backend.list_queues)())
