"""Many commands and script calls in one round trip, with NOSCRIPT handled once for all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio
from redis.exceptions import NoScriptError

from .cluster import is_cluster, ready


@dataclass(frozen=True)
class Call:
    """One command, or one script call (``script`` set, ``parts`` = KEYS, ``argv`` = ARGV)."""

    parts: tuple[Any, ...]
    script: Any = None
    argv: tuple[Any, ...] = ()


def cmd(*parts: Any) -> Call:
    return Call(parts)


def lua(script: Any, keys: Sequence[Any], args: Sequence[Any]) -> Call:
    return Call(tuple(keys), script, tuple(args))


async def send(
    client: redis.asyncio.Redis,
    units: Sequence[Sequence[Call]],
    *,
    transaction: bool = False,
    chunk: int | None = None,
) -> list[list[Any]]:
    """Every unit's replies, in one pipeline (or one MULTI per ``chunk`` units).

    Errors come back as exception objects. Units refused with NOSCRIPT did not run: their
    scripts are loaded and they alone are sent once more.
    """
    results: list[list[Any]] = [[] for _ in units]
    pending = list(range(len(units)))
    for attempt in range(2):
        size = chunk or max(len(pending), 1)
        for start in range(0, len(pending), size):
            group = pending[start : start + size]
            if transaction:
                await ready(client)
            pipe = client.pipeline(transaction=transaction)
            for index in group:
                for call in units[index]:
                    if call.script is None:
                        pipe.execute_command(*call.parts)
                    else:  # as ``pipe.evalsha`` sends it (which a cluster pipeline refuses)
                        sha = call.script.sha
                        pipe.execute_command(
                            "EVALSHA", sha, len(call.parts), *call.parts, *call.argv
                        )
            replies = await pipe.execute(raise_on_error=False)
            position = 0
            for index in group:
                width = len(units[index])
                results[index] = list(replies[position : position + width])
                position += width
        pending = [i for i in pending if any(isinstance(r, NoScriptError) for r in results[i])]
        if not pending or attempt:
            break
        missing = {c.script for i in pending for c in units[i] if c.script is not None}
        if is_cluster(client):  # SCRIPT LOAD goes to every primary; a cluster pipeline refuses it
            await asyncio.gather(*(client.script_load(script.script) for script in missing))
            continue
        loader = client.pipeline(transaction=False)
        for script in missing:
            loader.script_load(script.script)
        await loader.execute()
    return results


def present(reply: Any) -> bool:
    """A reply that found something (not nil, not an error)."""
    return reply is not None and not isinstance(reply, Exception)


def raise_if_error(*replies: Any) -> None:
    """Raise the first error among ``replies`` (errors come back as exception objects)."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply


def reply_text(value: Any) -> str:
    """A reply as text (bytes decoded, undecodable bytes replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
