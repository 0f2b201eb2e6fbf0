"""Replaying BullMQ dead-letter jobs into their original queues (``queues.dead_letters``).

A batch: one pipeline reads the dead-letter jobs (name, data, state); the jobs of each original
queue are added with the ``bullmq`` package's own ``Queue.addBulk`` (one MULTI), each under the
id ``replay_job_id`` derives from the dead-letter job's, so a second replay of the same job adds
nothing (bullmq's addJob returns the existing job of a taken id); then the dead-letter jobs whose
new job was added are removed with bullmq's ``removeJob`` (``job_actions.remove``). A dead-letter
job whose removal is refused stays, and the outcome says its replay was added.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...dead_letters import DeadLetter, dead_letter_of, replay_job_id
from ...language import Text
from ...states import JobState
from .. import untrusted
from ..actions import ActionOutcome, Skip
from .job_actions import remove
from .job_states import current_states
from .keys import STATE_KEYS, QueueKeys
from .pipeline import Call, cmd, send
from .skip_reasons import missing

#: New jobs added per MULTI (``Queue.addBulk``): keeps each transaction's Redis time short.
ADD_CHUNK = 100
#: List entries a batch may read: finding a job in a list (its state) and removing it from
#: there (``removeJob``'s LREM) each read the whole list, so a long wait list means fewer jobs
#: per batch.
LIST_BUDGET = 25_000
#: The states a whole-queue replay reads its jobs from, oldest first within each.
REPLAY_ORDER = (
    JobState.WAITING,
    JobState.PAUSED,
    JobState.PRIORITIZED,
    JobState.DELAYED,
    JobState.FAILED,
    JobState.COMPLETED,
)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _letter(name: Any, data: Any) -> DeadLetter | None:
    try:
        parsed = untrusted.loads(data) if data is not None else None
    except (ValueError, UnicodeDecodeError):
        return None
    return dead_letter_of(parsed, _text(name) if name is not None else "")


class BullMQDeadLettersMixin:
    """Mixed into ``BullMQBackend``; uses its ``pool``, ``prefix``, ``_require_queue``,
    ``_package_queue`` and ``action_table``."""

    supports_replay_dead_letters = True

    prefix: str
    pool: Any
    action_table: Any
    _require_queue: Callable[..., Any]
    _package_queue: Callable[..., Any]

    async def originals_exist(self, refs: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each (queue, job id) still exists: one pipeline for a whole page."""
        if not refs:
            return []
        client = self.pool.get().redis
        with self.pool.translate_errors():
            replies = await send(
                client, [[cmd("EXISTS", QueueKeys(self.prefix, q).job(j))] for q, j in refs]
            )
        return [reply[0] == 1 for reply in replies]

    async def count_dead_letters(self, queue: str) -> int:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        kinds = [STATE_KEYS[s] for s in REPLAY_ORDER]
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            sizes = await send(
                client,
                [[cmd("LLEN" if t == "list" else "ZCARD", keys.base + k)] for k, t in kinds],
            )
        return sum(int(n) for (n,) in sizes)

    async def dead_letter_ids(self, queue: str, offset: int, size: int) -> list[str]:
        """Up to ``size`` ids of the queue's replayable jobs after the first ``offset`` (those a
        run left behind), oldest first: two round trips."""
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        kinds = [STATE_KEYS[s] for s in REPLAY_ORDER]
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            sizes = await send(
                client,
                [[cmd("LLEN" if t == "list" else "ZCARD", keys.base + k)] for k, t in kinds],
            )
            calls: list[list[Call]] = []
            left = size
            for (key, kind), (length,) in zip(kinds, sizes, strict=True):
                length = int(length)
                if offset >= length:
                    offset -= length
                    continue
                take = min(length - offset, left)
                if kind == "list":  # each replayed job costs a search of the list, twice
                    take = min(take, max(LIST_BUDGET // length, 1))
                if take <= 0:
                    break
                if kind == "list":  # the oldest at the tail: negative indices from there
                    calls.append([cmd("LRANGE", keys.base + key, -(offset + take), -(offset + 1))])
                else:
                    calls.append([cmd("ZRANGE", keys.base + key, offset, offset + take - 1)])
                left -= take
                offset = 0
            replies = await send(client, calls) if calls else []
        ids: list[str] = []
        for call, (reply,) in zip(calls, replies, strict=True):
            found = [_text(i) for i in reply]
            ids += list(reversed(found)) if call[0].parts[0] == "LRANGE" else found
        return ids[:size]

    async def replay_dead_letters(
        self, queue: str, job_ids: list[str], refuse: Callable[[str], Awaitable[Text | None]]
    ) -> ActionOutcome:
        """Replay ``job_ids`` of the dead-letter queue ``queue``; ``await refuse(original)``
        says why the user may not add to that queue (None: may). ``done_ids``: replayed."""
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        outcome = ActionOutcome()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            states = await current_states(client, keys, job_ids)
            records = await send(
                client, [[cmd("HMGET", keys.job(job_id), "name", "data")] for job_id in job_ids]
            )
            by_queue: dict[str, list[tuple[str, DeadLetter]]] = {}
            for job_id, ((name, data),) in zip(job_ids, records, strict=True):
                exists, state = states[job_id]
                letter = _letter(name, data) if exists else None
                if not exists or data is None:
                    outcome.skipped.append(missing(job_id))
                elif not self.action_table.replays(state):
                    why = format_lazy(
                        _("Job {job} is {state}; it cannot be replayed now."),
                        job=job_id,
                        state=state.phrase_lazy if state else _("in no state list"),
                    )
                    outcome.skipped.append(Skip(job_id, why, state))
                elif letter is None:
                    why = format_lazy(
                        _("Job {job} is not a dead letter (its data has no originalQueue and "
                          "originalJobId)."), job=job_id,
                    )  # fmt: skip
                    outcome.failed.append(Skip(job_id, why, state))
                elif (reason := await refuse(letter.original_queue)) is not None:
                    outcome.failed.append(Skip(job_id, reason, state))
                else:
                    by_queue.setdefault(letter.original_queue, []).append((job_id, letter))
            added: list[str] = []
            chunks = [
                (original, letters[start : start + ADD_CHUNK])
                for original, all_letters in by_queue.items()
                for letters in [all_letters]
                for start in range(0, len(letters), ADD_CHUNK)
            ]
            for original, letters in chunks:
                jobs = [
                    {
                        "name": letter.name,
                        "data": letter.data,
                        "opts": {"jobId": replay_job_id(queue, job_id)},
                    }
                    for job_id, letter in letters
                ]
                try:
                    await self._package_queue(client, original).addBulk(jobs)
                except (TypeError, ValueError) as exc:  # the package's own refusals
                    why = format_lazy(_("BullMQ refused the replay: {error}"), error=str(exc)[:300])
                    outcome.failed += [Skip(job_id, why) for job_id, _letter in letters]
                    continue
                added += [job_id for job_id, _letter in letters]
            removed = await remove(client, keys, added) if added else ActionOutcome()
        kept = {s.job_id: s for s in (*removed.skipped, *removed.failed)}
        for job_id in added:
            if job_id in kept:
                why = format_lazy(
                    _("Job {job} was replayed as {new}, but it stays in the dead-letter queue: "
                      "{reason}"), job=job_id, new=replay_job_id(queue, job_id),
                    reason=kept[job_id].reason,
                )  # fmt: skip
                outcome.failed.append(Skip(job_id, why, kept[job_id].state))
            else:
                outcome.done += 1
                outcome.done_ids.append(job_id)
        return outcome
