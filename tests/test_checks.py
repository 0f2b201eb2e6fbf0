"""System checks and the backend handler: bad settings fail loudly, unreachable servers warn."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error, Warning, run_checks

from queues.backends import InvalidBackend, backends
from tests.redis_server import free_port


def queueboard_messages() -> list[Any]:
    return [m for m in run_checks(tags=["queueboard"]) if m.id and m.id.startswith("queueboard")]


def test_default_settings_pass(settings: Any) -> None:
    assert [m for m in queueboard_messages() if m.is_serious()] == []


def test_unknown_option_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {
        "tasks": {
            "BACKEND": "queues.backends.django_tasks.DjangoTasksBackend",
            "OPTIONS": {"task_backend": "default", "colour": "blue"},
        }
    }
    messages = queueboard_messages()
    assert any(isinstance(m, Error) and "'colour'" in m.msg for m in messages)


def test_unknown_top_level_key_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {
        "tasks": {"BACKEND": "queues.backends.django_tasks.DjangoTasksBackend", "OPTION": {}}
    }
    assert any("'OPTION'" in m.msg for m in queueboard_messages())


def test_unimportable_backend_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {"x": {"BACKEND": "no.such.Backend"}}
    messages = queueboard_messages()
    assert any(m.id == "queueboard.E001" and "no.such.Backend" in m.msg for m in messages)
    with pytest.raises(InvalidBackend):
        backends["x"]


def test_backend_must_be_a_queue_backend(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {"x": {"BACKEND": "collections.OrderedDict"}}
    assert any(m.id == "queueboard.E001" for m in queueboard_messages())


def test_missing_backend_key_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {"x": {"OPTIONS": {}}}
    assert any(m.id == "queueboard.E001" for m in queueboard_messages())


def test_unknown_board_setting_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD = {"TITEL": "typo"}
    assert any(m.id == "queueboard.E004" and "TITEL" in m.msg for m in queueboard_messages())


def test_unreachable_redis_is_a_warning_not_a_crash(settings: Any) -> None:
    settings.QUEUEBOARD_BACKENDS = {
        "bullmq": {
            "BACKEND": "queues.backends.bullmq.BullMQBackend",
            "OPTIONS": {"url": f"redis://127.0.0.1:{free_port()}/0"},
        }
    }
    messages = queueboard_messages()
    assert any(isinstance(m, Warning) for m in messages)
    assert not any(isinstance(m, Error) for m in messages)


def test_handler_loads_lazily_and_resets_on_setting_change(settings: Any) -> None:
    first = backends["tasks"]
    assert backends["tasks"] is first
    settings.QUEUEBOARD_BACKENDS = {
        "tasks": {
            "BACKEND": "queues.backends.django_tasks.DjangoTasksBackend",
            "LABEL": "Renamed",
        }
    }
    assert backends["tasks"] is not first
    assert backends["tasks"].label == "Renamed"
