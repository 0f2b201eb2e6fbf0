"""BullMQ on a Redis Cluster (the ``cluster`` OPTION): a prefix with a hash tag, one slot.

BullMQ documents one layout first: a prefix holding a hash tag, such as ``{bull}``, so that every
key of every queue (``{bull}:<queue>:wait``, ...) hashes to the slot of ``bull`` and each of its
scripts and pipelines stays within one slot. The board's own keys beside the queues
(``{bull}:queueboard:queues``, ``kept_queues.py``) carry the same tag and join that slot. A
prefix without a hash tag (queues named ``{q1}`` under ``bull``, one slot per queue) is a layout
the board does not read yet: ``check()`` says so, and the backend refuses to connect
(``unsupported_layout``) instead of half-working.

The client is redis-py's ``RedisCluster``, given the URL of any node: it learns the other nodes
and which one serves each slot, follows ``MOVED`` and, after a failover, asks again. Discovery
scans every primary (``scan_primaries``) and the workers panel reads ``CLIENT LIST`` on every
node (``client_list_everywhere``). ``PrefixCluster`` adds what the board's reads need of it:
scripts that name no key declared with the hash tag's key (so a stale slot map meets MOVED),
TIME allowed in a pipeline (on the node of the prefix's slot), and ``ready()`` before a
transaction pipeline (redis-py builds those in a thread with its own event loop).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
import redis.exceptions
from redis.crc import key_slot

#: What a cluster answers while a slot has no reachable primary (a failover under way) or is
#: moving: the request is refused with a 503 and the next one tries again.
UNAVAILABLE: tuple[type[Exception], ...] = (
    redis.exceptions.ClusterError,  # CLUSTERDOWN, MASTERDOWN
    redis.exceptions.TryAgainError,
    redis.exceptions.AskError,  # and MOVED: still redirected after redis-py's own retries
    redis.exceptions.SlotNotCoveredError,
)
#: Seconds a bulk run's batch waits for a failover to end before the run stops (the nodes of a
#: cluster notice a lost primary after ``cluster-node-timeout``, 15 s by default, then elect).
FAILOVER_WAIT = 45.0


def hash_tag(prefix: str) -> str | None:
    """The hash tag every key under ``prefix`` hashes by (Redis' rule: the text between the
    first ``{`` and the next ``}``, if not empty), or ``None`` if the keys' slots would depend
    on the rest of each key."""
    start = prefix.find("{")
    if start == -1:
        return None
    end = prefix.find("}", start + 1)
    if end == -1 or end == start + 1:
        return None
    return prefix[start + 1 : end]


def layout_problem(prefix: str) -> str | None:
    """Why queues under ``prefix`` cannot be read on a cluster (English, for checks and the
    refusal), or ``None``."""
    if hash_tag(prefix) is not None:
        return None
    return (
        f"With the 'cluster' option the 'prefix' must hold a hash tag, such as '{{{prefix}}}' "
        f"(BullMQ's documented layout, every queue in one slot); {prefix!r} has none. Queues "
        "that carry their own hash tag under a plain prefix (one slot per queue) are not "
        "supported yet."
    )


def _cluster_kwargs(url: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    # A cluster has database 0 only; redis-py's cluster client refuses a ``db`` argument.
    kwargs.pop("db", None)
    return kwargs


class PrefixCluster(redis.asyncio.cluster.RedisCluster):
    """redis-py's cluster client, sending the board's scripts that name no key (they build
    their keys from the prefix they are given, such as the counts of every queue) to the slot of
    the prefix's hash tag, where those keys are, instead of to a random node."""

    home_slot: int = 0
    #: A key of the prefix's slot (its hash tag alone), declared by the scripts that name none.
    home_key: bytes = b""

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        return await super().execute_command(*self.with_home_key(args), **kwargs)

    def with_home_key(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """A script that names no key (it builds them from the prefix it is given, such as the
        counts of every queue) declared with the home key, which it never reads: Redis then
        checks the slot, so a client whose map is stale after a reshard gets MOVED (and
        learns the new owner) instead of the old node running the script over keys it no
        longer holds, and answering zeros."""
        if (
            len(args) >= 3
            and str(args[0]).upper() in ("EVAL", "EVALSHA")
            and str(args[2]) == "0"
            and self.home_key
        ):
            return (args[0], args[1], 1, self.home_key, *args[3:])
        return args

    async def _determine_slot(self, command: str, *args: Any) -> int:
        if command.upper() in ("EVAL", "EVALSHA") and len(args) >= 2 and not int(args[1]):
            return self.home_slot
        return await super()._determine_slot(command, *args)

    async def _determine_nodes(self, command: str, *args: Any, **kwargs: Any) -> list[Any]:
        # TIME (the live reader's clock for stream ids) from the node holding the streams.
        if command.upper() == "TIME" and not kwargs.get("node_flag"):
            return [self.nodes_manager.get_node_from_slot(self.home_slot)]
        return cast(list[Any], await super()._determine_nodes(command, *args, **kwargs))

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> PrefixPipeline:
        if shard_hint:
            raise redis.exceptions.RedisClusterException("shard_hint is deprecated in cluster mode")
        return PrefixPipeline(self, transaction)  # type: ignore[abstract]


class PrefixPipeline(redis.asyncio.cluster.ClusterPipeline):
    """redis-py's cluster pipeline with TIME allowed (it blocks every command without a key;
    ``PrefixCluster`` sends TIME to the node of the prefix's slot)."""

    def time(self, **kwargs: Any) -> Any:
        return self.execute_command("TIME", **kwargs)

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        client = self.cluster_client
        if isinstance(client, PrefixCluster):
            args = client.with_home_key(args)
        return super().execute_command(*args, **kwargs)


def async_cluster_client(url: str, prefix: str, **kwargs: Any) -> PrefixCluster:
    client = cast(PrefixCluster, PrefixCluster.from_url(url, **_cluster_kwargs(url, kwargs)))
    tag = hash_tag(prefix)
    client.home_key = f"{{{tag}}}".encode() if tag is not None else prefix.encode()
    client.home_slot = key_slot(client.home_key)
    return client


def sync_cluster_client(url: str, **kwargs: Any) -> redis.cluster.RedisCluster:
    kwargs.pop("retry", None)  # the blocking cluster client counts its own retries
    return redis.cluster.RedisCluster.from_url(url, **_cluster_kwargs(url, kwargs))


def is_cluster(client: Any) -> bool:
    return isinstance(client, redis.asyncio.cluster.RedisCluster)


async def ready(client: Any) -> None:
    """Before a transaction pipeline is built: a cluster client learns its nodes now, in the
    running loop. redis-py queues each command of a cluster transaction through
    ``asyncio.run`` in a thread of its own; a client not yet initialized (or told to
    re-initialize by a failover) would open its connections in that thread's short-lived loop,
    and the next command in the real loop fails ("attached to a different loop")."""
    if is_cluster(client):
        await client.initialize()


async def home_node(client: Any) -> Any:
    """The primary serving the slot of the prefix's hash tag: the node every queue is on."""
    await client.initialize()
    return client.nodes_manager.get_node_from_slot(client.home_slot)


def node_reply(reply: Any, node: Any) -> Any:
    """One node's reply to a command sent with ``target_nodes`` (redis-py may give it alone or
    in a dict by node name)."""
    if isinstance(reply, dict) and node.name in reply:
        return reply[node.name]
    return reply


async def scan_primaries(
    client: Any, match: str, count: int, key_type: str
) -> AsyncIterator[list[bytes]]:
    """Pages of keys matching ``match`` from every primary, each primary's cursor followed to
    its end (one SCAN per page per primary)."""
    await client.initialize()
    for node in client.get_primaries():
        cursor = 0
        while True:
            reply = await client.scan(
                cursor, match=match, count=count, _type=key_type, target_nodes=node
            )
            cursors, keys = reply
            cursor = int(cursors[node.name]) if isinstance(cursors, dict) else int(cursors)
            yield cast(list[bytes], list(keys))
            if not cursor:
                break


async def client_list_everywhere(
    client: redis.asyncio.cluster.RedisCluster,
) -> list[dict[str, Any]]:
    """``CLIENT LIST`` of every node, primaries and replicas, in one list (a worker on a
    cluster names its connection on each node it uses)."""
    await client.initialize()
    replies = await client.client_list(target_nodes=redis.asyncio.cluster.RedisCluster.ALL_NODES)
    if isinstance(replies, dict):
        return [entry for entries in replies.values() for entry in entries]
    return list(replies)
