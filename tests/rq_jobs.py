"""Functions the tests' real RQ workers run (imported by ``rq worker`` subprocesses only; the
board never imports them)."""

from __future__ import annotations

import time


class ContractError(Exception):
    pass


def add(a: int, b: int) -> int:
    return a + b


def echo(*args: object, **kwargs: object) -> dict[str, object]:
    return {"args": list(args), "kwargs": kwargs}


def fail(message: str = "boom") -> None:
    raise ContractError(message)


def sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"
