"""``BullMQBackend``: BullMQ queues read straight from Redis, acted on by bullmq's scripts."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import redis
from django.core import checks
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...conf import setting
from ...states import JobState
from .. import InvalidBackendURL
from ..base import QueueBackend
from ..errors import JobNotFound, QueueNotFound, WorkersUnavailable
from ..reads_behind import reading_behind
from ..types import (
    FlowTree,
    JobDetail,
    JobPage,
    JobQuery,
    JobRef,
    QueueSummary,
    SearchScope,
    WorkerInfo,
)
from . import reads
from .acl import BullMQACLMixin
from .actions import BullMQActionsMixin
from .change_feed import BullMQChangeFeedMixin
from .client import ClientPool
from .cluster import layout_problem
from .connection import Connection
from .dead_letters import BullMQDeadLettersMixin
from .decode import JobDecoder, infer_state, is_queue_record, text
from .discovery import Discovery
from .failures import BullMQFailuresMixin
from .flows import FlowReader
from .health import BullMQHealthMixin
from .history import BullMQHistoryMixin
from .job_changes import BullMQJobChangesMixin
from .keys import STATE_KEYS, split_job_key
from .latest import BullMQLatestMixin
from .limits import BullMQLimitsMixin
from .obliterate import BullMQObliterateMixin
from .reads import RawJob, read_counts, read_job, read_page, search_page
from .schedules import BullMQSchedulesMixin
from .sentinel import SENTINEL_OPTIONS, is_sentinel_url
from .server_details import BullMQServerDetailsMixin
from .tls import TLS_OPTIONS, tls_failure, tls_problems
from .totals import BullMQTotalsMixin
from .url import REFUSAL, UnreadableURL, check_url, describe_url
from .workers import client_list, read_workers, without_workers

#: How long ``check()`` waits for the server before warning.
CHECK_TIMEOUT = 1.0


class BullMQBackend(
    BullMQChangeFeedMixin,
    BullMQACLMixin,
    BullMQLimitsMixin,
    BullMQServerDetailsMixin,
    BullMQJobChangesMixin,
    BullMQDeadLettersMixin,
    BullMQFailuresMixin,
    BullMQLatestMixin,
    BullMQObliterateMixin,
    BullMQHealthMixin,
    BullMQHistoryMixin,
    BullMQTotalsMixin,
    BullMQSchedulesMixin,
    BullMQActionsMixin,
    QueueBackend,
):
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
    supports_worker_presence = True
    #: Seconds one ``CLIENT LIST`` answers ``queues_without_workers`` (every overview refresh
    #: within them, for every queue and viewer, shares it).
    presence_seconds: ClassVar[float] = 5.0
    supports_schedules = True
    supports_schedule_run_now = True
    supports_schedule_edit = True
    supports_schedule_remove = True
    option_names = frozenset(
        {
            "url",
            "prefix",
            "queues",
            "discovery_ttl",
            "discovery_refresh",
            "socket_timeout",
            "connect_timeout",
            "job_schemas",
            "dead_letter_queues",
            "cluster",
            *TLS_OPTIONS,
            *SENTINEL_OPTIONS,
        }
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
            refresh=_number(self.options.get("discovery_refresh"), 60),
            fixed=[str(name) for name in fixed] if isinstance(fixed, list | tuple) else None,
        )
        #: (when read, entries) of the last ``CLIENT LIST`` (``queues_without_workers``).
        self._presence: tuple[float, list[Any]] | None = None
        self.pool = ClientPool(
            Connection(self.url, self.options),
            socket_timeout=_number(self.options.get("socket_timeout"), 5),
            connect_timeout=_number(self.options.get("connect_timeout"), 2),
        )
        self.pool.layout_problem = layout_problem(self.prefix)

    @property
    def queue_list_refreshing(self) -> bool:
        """Whether the overview is empty because the first scan for queues still runs."""
        return self.discovery.refreshing

    # -- reading ---------------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueSummary]:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._check_acl(client.redis)
            names = await self.discovery.names(client.redis)
            counts = await read_counts(
                client.redis,
                self.prefix,
                names,
                self.states,
                slice_size=reads.COUNTS_SLICE if reading_behind() else None,
            )
        return [self.summary_of(name, row) for name, row in zip(names, counts, strict=True)]

    async def get_queue(self, name: str) -> QueueSummary:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, name)
            (row,) = await read_counts(client.redis, self.prefix, [name], self.states)
        return self.summary_of(name, row)

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

    async def get_flow(
        self, queue: str, job_id: str, *, per_node: int = 50, focus_page: int = 1
    ) -> FlowTree | None:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            reader = FlowReader(client.redis, self.alias, self.prefix)
            return await reader.read(queue, job_id, per_node=per_node, focus_page=focus_page)

    async def list_workers(self, queue: str) -> list[WorkerInfo]:
        """One ``CLIENT LIST`` (the whole server's connections, filtered here)."""
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            try:
                return await read_workers(client.redis, self.prefix, queue)
            except redis.ResponseError as exc:
                message = _(
                    "Redis at {where} refused CLIENT LIST ({error}), so the workers cannot be "
                    "listed; allow that command to the board's Redis user to see them."
                )
                raise WorkersUnavailable(
                    format_lazy(message, where=self.pool.where, error=exc)
                ) from exc

    async def queues_without_workers(self, queues: Iterable[str]) -> set[str]:
        """From one ``CLIENT LIST`` for all queues, reused for ``presence_seconds``."""
        kept = self._presence
        if kept is None or time.monotonic() - kept[0] >= self.presence_seconds:
            client = self.pool.get()
            with self.pool.translate_errors():
                try:
                    clients = await client_list(client.redis)
                except redis.ResponseError as exc:
                    message = _(
                        "Redis at {where} refused CLIENT LIST ({error}), so queues without "
                        "workers cannot be told apart."
                    )
                    raise WorkersUnavailable(
                        format_lazy(message, where=self.pool.where, error=exc)
                    ) from exc
            kept = self._presence = (time.monotonic(), clients)
        return without_workers(kept[1], self.prefix, queues)

    async def close(self) -> None:
        await self.pool.close()

    # -- helpers ---------------------------------------------------------------------------------

    async def _require_queue(self, client: Any, name: str) -> None:
        await self._check_acl(client)
        if not await self.discovery.knows(client, name):
            raise QueueNotFound(self.alias, name)

    def summary_of(self, name: str, row: Any) -> QueueSummary:
        """The summary of ``name`` from its ``read_counts`` row (read for ``self.states``, so its
        counts are already every state in order)."""
        return QueueSummary(
            backend=self.alias,
            name=name,
            counts=row.counts,
            paused=row.paused,
            problem=row.problem,
            schedules_overdue=row.schedules_overdue,
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
            ("discovery_refresh", 0),
            ("socket_timeout", 0.01),
            ("connect_timeout", 0.01),
        ):
            value = self.options.get(name)
            if value is not None and _number(value, -1) < least:
                message = f"The {name!r} option must be a number of seconds (at least {least:g})."
                messages.append(self._error(message, "E005"))
        for problem in tls_problems(self.url, self.options):
            messages.append(self._error(problem, "E005"))
        from ...dead_letters import check_options  # it imports the backends' base

        messages += [self._error(problem, "E005") for problem in check_options(self)]
        sentinel_given = sorted(name for name in SENTINEL_OPTIONS if name in self.options)
        if sentinel_given and not is_sentinel_url(self.url):
            names = ", ".join(repr(name) for name in sentinel_given)
            message = f"The Sentinel options ({names}) need a redis+sentinel:// URL."
            messages.append(self._error(message, "E005"))
        messages += [self._error(problem, "E005") for problem in self._cluster_problems()]
        try:
            client = self.pool.connection.sync_client(
                socket_timeout=CHECK_TIMEOUT,
                socket_connect_timeout=CHECK_TIMEOUT,
                retry=None,
            )
        except ValueError:  # never its text: it quotes the URL (``url.py``)
            messages.append(self._error(REFUSAL, "E005"))
            return messages
        except (redis.RedisError, redis.exceptions.RedisClusterException, OSError) as exc:
            # The cluster client asks its node for the others as it is made.
            where = describe_url(self.url)
            warning = f"The Redis Cluster node at {where} did not answer ({type(exc).__name__})."
            messages.append(self._warning(warning, "W001"))
            return messages
        unreachable = _unreachable(client, describe_url(self.url), self.url)
        if unreachable:
            messages.append(self._warning(unreachable, "W001"))
        return messages

    def _cluster_problems(self) -> list[str]:
        value = self.options.get("cluster")
        if value is None or value is False:
            return []
        if value is not True:
            return ["The 'cluster' option must be True or False."]
        if is_sentinel_url(self.url) or self.url.lower().startswith("unix:"):
            return ["The 'cluster' option needs the redis:// (or rediss://) URL of a node."]
        problem = layout_problem(self.prefix)
        return [problem] if problem else []


def _unreachable(client: Any, where: str, url: str) -> str | None:
    """Why the server did not answer a PING within ``CHECK_TIMEOUT``, or ``None``."""
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        failure = tls_failure(url, exc)
        if failure is not None:
            return f"TLS with Redis at {where} failed ({failure})."
        reason = type(exc).__name__
        return f"Redis at {where} did not answer within {CHECK_TIMEOUT:g} s ({reason})."
    finally:
        client.close()
    return None


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(default)
    return float(value)
