"""``BullMQBackend``: BullMQ queues read straight from Redis, acted on by bullmq's scripts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import redis
from django.core import checks

from ...conf import setting
from ...states import JobState
from .. import InvalidBackendURL
from ..base import QueueBackend, ordered_counts
from ..errors import JobNotFound, QueueNotFound, WorkersUnavailable
from ..types import (
    JobDetail,
    JobPage,
    JobQuery,
    JobRef,
    QueueSummary,
    SearchScope,
    WorkerInfo,
)
from .actions import BullMQActionsMixin
from .client import ClientPool
from .decode import JobDecoder, infer_state, is_queue_record, text
from .discovery import Discovery
from .keys import STATE_KEYS, split_job_key
from .reads import RawJob, read_counts, read_job, read_page, search_page
from .url import REFUSAL, UnreadableURL, check_url, describe_url
from .workers import read_workers

#: How long ``check()`` waits for the server before warning.
CHECK_TIMEOUT = 1.0


class BullMQBackend(BullMQActionsMixin, QueueBackend):
    kind = "bullmq"
    states: ClassVar[tuple[JobState, ...]] = tuple(STATE_KEYS)
    supports_retry = True
    supports_retry_completed = True
    supports_promote = True
    supports_remove = True
    supports_clean = True
    supports_pause = True
    supports_empty = True
    supports_logs = True
    supports_progress = True
    supports_flows = True
    supports_search = True
    supports_workers = True
    option_names = frozenset(
        {"url", "prefix", "queues", "discovery_ttl", "socket_timeout", "connect_timeout"}
    )

    def __init__(self, alias: str, params: Mapping[str, Any]) -> None:
        super().__init__(alias, params)
        self.url: str = str(self.options.get("url") or "")
        if self.url:
            try:
                check_url(self.url)
            except UnreadableURL:
                raise InvalidBackendURL(f"QUEUEBOARD_BACKENDS[{alias!r}]: {REFUSAL}") from None
        self.prefix: str = str(self.options.get("prefix") or "bull")
        fixed = self.options.get("queues")
        self.discovery = Discovery(
            self.prefix,
            ttl=_number(self.options.get("discovery_ttl"), 30),
            fixed=[str(name) for name in fixed] if isinstance(fixed, list | tuple) else None,
        )
        self.pool = ClientPool(
            self.url,
            socket_timeout=_number(self.options.get("socket_timeout"), 5),
            connect_timeout=_number(self.options.get("connect_timeout"), 2),
        )

    # -- reading ---------------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueSummary]:
        client = self.pool.get()
        with self.pool.translate_errors():
            names = await self.discovery.names(client.redis)
            counts = await read_counts(client.redis, self.prefix, names, self.states)
        return [self._summary(name, row) for name, row in zip(names, counts, strict=True)]

    async def get_queue(self, name: str) -> QueueSummary:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, name)
            (row,) = await read_counts(client.redis, self.prefix, [name], self.states)
        return self._summary(name, row)

    async def list_jobs(self, query: JobQuery) -> JobPage:
        if query.state not in self.states:
            return JobPage(query=query, jobs=[], total=0)
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, query.queue)
            if query.text:
                page = await search_page(
                    client.search_script,
                    self.prefix,
                    query.queue,
                    query.state,
                    query.start,
                    query.stop,
                    query.text,
                    query.scan_limit,
                )
            else:
                page = await read_page(
                    client.page_script,
                    self.prefix,
                    query.queue,
                    query.state,
                    query.start,
                    query.stop,
                )
        jobs = [
            JobDecoder(self.alias, query.queue, row.id, row.fields, sizes=row.sizes).summary(
                query.state, row.score
            )
            for row in page.rows
        ]
        if query.text:
            scope = SearchScope(scanned=page.scanned, in_state=page.total, too_large=page.too_large)
            return JobPage(query=query, jobs=jobs, total=page.matches, searched=scope)
        return JobPage(query=query, jobs=jobs, total=page.total)

    async def get_job(self, queue: str, job_id: str) -> JobDetail:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            raw = await read_job(client.redis, self.prefix, queue, job_id, setting("LOG_LINES"))
            known = self.discovery.cached or [queue]
        if not raw.fields or is_queue_record(job_id, raw.fields):
            raise JobNotFound(queue, job_id)
        return self._detail(queue, job_id, raw, known)

    async def list_workers(self, queue: str) -> list[WorkerInfo]:
        """One ``CLIENT LIST`` (the whole server's connections, filtered here)."""
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            try:
                return await read_workers(client.redis, self.prefix, queue)
            except redis.ResponseError as exc:
                raise WorkersUnavailable(
                    f"Redis at {self.pool.where} refused CLIENT LIST ({exc}), so the workers "
                    "cannot be listed; allow that command to the board's Redis user to see them."
                ) from exc

    async def close(self) -> None:
        await self.pool.close()

    # -- helpers ---------------------------------------------------------------------------------

    async def _require_queue(self, client: Any, name: str) -> None:
        if not await self.discovery.knows(client, name):
            raise QueueNotFound(self.alias, name)

    def _summary(self, name: str, row: Any) -> QueueSummary:
        return QueueSummary(
            backend=self.alias,
            name=name,
            counts=ordered_counts(self.states, row.counts),
            paused=row.paused,
            problem=row.problem,
        )

    def _detail(self, queue: str, job_id: str, raw: RawJob, known: Iterable[str]) -> JobDetail:
        decoder = JobDecoder(self.alias, queue, job_id, raw.fields)
        problems = list(raw.problems)
        if raw.found_in:
            state, score = raw.found_in[0]
            if len(raw.found_in) > 1:
                listed = ", ".join(found.value for found, _ in raw.found_in)
                problems.append(f"The job is listed in several states at once: {listed}.")
        else:
            state, score = infer_state(raw.fields), None
            problems.append(f"The job is in no state list; {state.label.lower()} is a guess.")
        return decoder.detail(
            state,
            score,
            prefix=self.prefix,
            known_queues=known,
            logs=tuple(text(line) or "" for line in raw.logs),
            log_count=raw.log_count,
            children=self._children(raw, known),
            extra_problems=problems,
        )

    def _children(self, raw: RawJob, known: Iterable[str]) -> tuple[JobRef, ...]:
        known = list(known)
        groups: list[tuple[Iterable[bytes], JobState | None]] = [
            (raw.dependencies, None),
            (sorted(raw.processed), JobState.COMPLETED),
            (sorted(raw.failed), JobState.FAILED),
            (raw.unsuccessful, JobState.FAILED),
        ]
        children: dict[str, JobRef] = {}
        for keys, state in groups:
            for key in keys:
                name = text(key) or ""
                parts = split_job_key(name, self.prefix, known)
                if parts and name not in children:
                    children[name] = JobRef(self.alias, parts[0], parts[1], state)
        return tuple(children.values())

    # -- configuration ---------------------------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if not self.url:
            messages.append(self._error("The 'url' option (a redis:// URL) is required.", "E005"))
            return messages
        queues = self.options.get("queues")
        if queues is not None and not (
            isinstance(queues, list | tuple) and all(isinstance(q, str) for q in queues)
        ):
            messages.append(self._error("The 'queues' option must be a list of names.", "E005"))
        for name, least in (
            ("discovery_ttl", 0),
            ("socket_timeout", 0.01),
            ("connect_timeout", 0.01),
        ):
            value = self.options.get(name)
            if value is not None and _number(value, -1) < least:
                message = f"The {name!r} option must be a number of seconds (at least {least:g})."
                messages.append(self._error(message, "E005"))
        try:
            client = redis.Redis.from_url(
                self.url,
                socket_timeout=CHECK_TIMEOUT,
                socket_connect_timeout=CHECK_TIMEOUT,
                retry=None,
            )
        except ValueError:  # never its text: it quotes the URL (``url.py``)
            messages.append(self._error(REFUSAL, "E005"))
            return messages
        warning = _unreachable(client, describe_url(self.url))
        if warning:
            messages.append(self._warning(warning, "W001"))
        return messages


def _unreachable(client: redis.Redis, where: str) -> str | None:
    """Why the server did not answer a PING within ``CHECK_TIMEOUT``, or ``None``."""
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        reason = type(exc).__name__
        return f"Redis at {where} did not answer within {CHECK_TIMEOUT:g} s ({reason})."
    finally:
        client.close()
    return None


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(default)
    return float(value)
