"""The workers connected to a BullMQ queue, from one ``CLIENT LIST`` (one per node on a cluster).

A worker names its Redis connections after its queue, and the two clients do it differently
(``shared/reference/bullmq-data-model.md``): Node writes ``<prefix>:<base64(queue)>`` and
Python ``<prefix>:<queue>``, each followed by ``:w:<name>`` when the worker has a name. An
unnamed worker's connections carry the bare form. A worker holds several connections (Python
two: one blocking, one for commands), so connections are grouped by worker name and host.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

import redis.asyncio

from ..types import WorkerInfo
from .cluster import client_list_everywhere, is_cluster

WORKER_SUFFIX = ":w:"


def client_name_roots(prefix: str, queue: str) -> tuple[str, str]:
    """The bare client names of ``queue``'s workers: Node's (base64) and Python's."""
    encoded = base64.b64encode(queue.encode("utf-8")).decode("ascii")
    return f"{prefix}:{encoded}", f"{prefix}:{queue}"


def worker_name(client_name: str, roots: Iterable[str]) -> str | None:
    """The worker's own name ("" when unnamed) if ``client_name`` is one of the queue's
    workers, else None."""
    for root in roots:
        if client_name == root:
            return ""
        if client_name.startswith(root + WORKER_SUFFIX):
            return client_name[len(root) + len(WORKER_SUFFIX) :]
    return None


def group_workers(
    clients: Iterable[Mapping[str, Any]], prefix: str, queue: str
) -> list[WorkerInfo]:
    """The queue's workers among ``CLIENT LIST`` entries, one per (name, host), by name."""
    roots = client_name_roots(prefix, queue)
    found: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for client in clients:
        name = worker_name(str(client.get("name") or ""), roots)
        if name is None:
            continue
        host = str(client.get("addr") or "").rpartition(":")[0]
        found.setdefault((name, host), []).append(client)
    return [
        WorkerInfo(
            name=name,
            host=host,
            connections=len(entries),
            age_seconds=max(_int(entry.get("age")) for entry in entries),
            idle_seconds=min(_int(entry.get("idle")) for entry in entries),
        )
        for (name, host), entries in sorted(found.items())
    ]


async def client_list(client: redis.asyncio.Redis) -> list[Any]:
    """The server's ``CLIENT LIST``; on a cluster, every node's."""
    if is_cluster(client):
        return await client_list_everywhere(client)  # type: ignore[arg-type]
    return list(await client.client_list())


async def read_workers(client: redis.asyncio.Redis, prefix: str, queue: str) -> list[WorkerInfo]:
    return group_workers(await client_list(client), prefix, queue)


def served_roots(clients: Iterable[Mapping[str, Any]], prefix: str) -> set[str]:
    """Every bare client name the ``CLIENT LIST`` entries could stand for under ``prefix``: the
    name itself and the name before each ``:w:`` (a queue's name may hold ``:w:`` too)."""
    roots: set[str] = set()
    start = prefix + ":"
    for client in clients:
        name = str(client.get("name") or "")
        if not name.startswith(start) or name == start:
            continue
        roots.add(name)
        at = name.find(WORKER_SUFFIX, len(start))
        while at != -1:
            roots.add(name[:at])
            at = name.find(WORKER_SUFFIX, at + 1)
    return roots


def without_workers(
    clients: Iterable[Mapping[str, Any]], prefix: str, queues: Iterable[str]
) -> set[str]:
    """Those of ``queues`` with no worker among the ``CLIENT LIST`` entries: one pass over the
    entries, then a set lookup per queue (never a read per queue)."""
    roots = served_roots(clients, prefix)
    return {
        queue
        for queue in queues
        if not any(root in roots for root in client_name_roots(prefix, queue))
    }


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
