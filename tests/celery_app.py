"""The Celery app the tests' real workers run (``celery -A tests.celery_app worker``) and their
producers send to: broker and result backend from ``QB_CELERY_URL``, results extended."""

from __future__ import annotations

import os
import time
from typing import Any

from celery import Celery


class ContractError(Exception):
    """What the failing task raises (the contract looks for its name)."""


def make_app(url: str, *, extended: bool = True, serializer: str = "json") -> Celery:
    app = Celery("queueboard-tests", broker=url, backend=url)
    app.conf.update(
        result_extended=extended,
        task_track_started=True,
        result_serializer=serializer,
        # A worker run as root refuses to start while it accepts pickled messages.
        accept_content=["json"],
        result_accept_content=sorted({"json", serializer}),
        broker_connection_retry_on_startup=False,
        worker_hijack_root_logger=False,
    )
    return app


app = make_app(
    os.environ.get("QB_CELERY_URL", "redis://127.0.0.1:1/0"),
    extended=os.environ.get("QB_CELERY_EXTENDED", "1") == "1",
    serializer=os.environ.get("QB_CELERY_SERIALIZER", "json"),
)


@app.task(name="tests.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="tests.fail")
def fail(message: str = "boom") -> None:
    raise ContractError(message)


@app.task(name="tests.echo")
def echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": list(args), "kwargs": kwargs}


@app.task(name="tests.report", bind=True)
def report(self: Any, seconds: float) -> None:
    """Reports progress (a state of its own), then sleeps: a running task."""
    self.update_state(state="PROGRESS", meta={"done": 3, "of": 10})
    time.sleep(seconds)
