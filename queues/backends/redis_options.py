"""Options and checks shared by the backends that read a plain Redis server with their own
scripts (RQ, Celery): ``queues`` and the timeouts read and checked alike, and a server that does
not answer a warning, never a failure at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

from .redis_clients import ClientPool
from .redis_url import describe_url

#: How long ``manage.py check`` waits for a server before warning.
CHECK_TIMEOUT = 1.0
#: The timeouts' defaults in seconds: (socket, connect).
TIMEOUTS = {"socket_timeout": 5.0, "connect_timeout": 2.0}


def number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(default)
    return float(value)


def timeouts(options: Mapping[str, Any]) -> dict[str, float]:
    """``socket_timeout`` and ``connect_timeout`` from the options, else their defaults."""
    return {name: number(options.get(name), default) for name, default in TIMEOUTS.items()}


def fixed_queues(options: Mapping[str, Any]) -> list[str] | None:
    """The ``queues`` option's names, or None when it is not a list (discover them)."""
    fixed = options.get("queues")
    return [str(name) for name in fixed] if isinstance(fixed, list | tuple) else None


def option_problems(options: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``queues`` and the timeouts (sentences for ``E005``)."""
    problems: list[str] = []
    queues = options.get("queues")
    if queues is not None and not (
        isinstance(queues, list | tuple) and all(isinstance(q, str) for q in queues)
    ):
        problems.append("The 'queues' option must be a list of names.")
    for name in TIMEOUTS:
        value = options.get(name)
        if value is not None and number(value, -1) < 0.01:
            problems.append(f"The {name!r} option must be a number of seconds (at least 0.01).")
    return problems


def unanswered(pool: ClientPool) -> str | None:
    """Why the server of ``pool`` did not answer a PING within ``CHECK_TIMEOUT``, or None."""
    client = pool.sync_client(CHECK_TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        where = describe_url(pool.url)
        reason = type(exc).__name__
        return f"Redis at {where} did not answer within {CHECK_TIMEOUT:g} s ({reason})."
    finally:
        client.close()
    return None
