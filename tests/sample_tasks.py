"""Task functions enqueued by the tests through the real task framework."""

from __future__ import annotations

from typing import Any

from queues.backends.tasks_compat import task


class ContractError(Exception):
    """The failure every failing sample task raises."""


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": list(args), "kwargs": kwargs}


@task()
def fail(message: str = "boom") -> None:
    raise ContractError(message)


@task()
def fail_chained(message: str = "outer") -> None:
    try:
        raise KeyError("inner")
    except KeyError as exc:
        raise ContractError(message) from exc
