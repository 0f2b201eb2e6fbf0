"""Where each job is now: whether its hash exists and which state list holds it."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio

from ...states import JobState
from .keys import STATE_KEYS, QueueKeys
from .pipeline import Call, cmd, present, send


def _membership(keys: QueueKeys, job_id: str) -> list[Call]:
    calls = [cmd("EXISTS", keys.job(job_id))]
    for state, (_name, key_type) in STATE_KEYS.items():
        command = "ZSCORE" if key_type == "zset" else "LPOS"
        calls.append(cmd(command, keys.state(state), job_id))
    return calls


async def current_states(
    client: redis.asyncio.Redis, keys: QueueKeys, job_ids: Sequence[str]
) -> dict[str, tuple[bool, JobState | None]]:
    """For each job: whether its hash exists, and the first state holding it (one pipeline)."""
    replies = await send(client, [_membership(keys, job_id) for job_id in job_ids])
    found: dict[str, tuple[bool, JobState | None]] = {}
    for job_id, row in zip(job_ids, replies, strict=True):
        states = [s for s, r in zip(STATE_KEYS, row[1:], strict=True) if present(r)]
        found[job_id] = (row[0] == 1, states[0] if states else None)
    return found
