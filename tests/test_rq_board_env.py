"""The standalone board configures an RQ backend when ``RQ_REDIS_URL`` is set."""

from __future__ import annotations

import importlib

import pytest


def test_rq_redis_url_adds_the_rq_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    import board.settings

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("RQ_REDIS_URL", raising=False)
    try:
        assert "rq" not in importlib.reload(board.settings).QUEUEBOARD_BACKENDS
        monkeypatch.setenv("RQ_REDIS_URL", "redis://localhost:6379/3")
        entry = importlib.reload(board.settings).QUEUEBOARD_BACKENDS["rq"]
        assert entry["BACKEND"] == "queues.backends.rq.RQBackend"
        assert entry["OPTIONS"] == {"url": "redis://localhost:6379/3"}
    finally:
        monkeypatch.undo()
        importlib.reload(board.settings)
