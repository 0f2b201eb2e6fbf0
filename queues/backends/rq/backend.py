"""``RQBackend``: RQ queues read straight from Redis, without RQ's cleaning readers.

Configured as::

    QUEUEBOARD_BACKENDS = {
        "rq": {
            "BACKEND": "queues.backends.rq.RQBackend",
            "OPTIONS": {"url": "redis://localhost:6379/0", "queues": ["default"]},
        },
    }

``queues`` (optional) names the queues to show; without it, every queue of ``rq:queues``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.core import checks

from ...states import JobState
from .. import InvalidBackendURL
from ..base import QueueBackend, ordered_counts
from ..errors import JobNotFound, QueueNotFound
from ..redis_options import fixed_queues, option_problems, timeouts, unanswered
from ..redis_url import REFUSAL, UnreadableURL, check_url
from ..types import (
    FlowTree,
    JobDetail,
    JobPage,
    JobQuery,
    QueueSummary,
    SearchScope,
    WorkerInfo,
)
from . import jobs
from .actions import RQActions
from .client import ClientPool
from .failures import RQFailuresMixin
from .flows import RQFlowReader
from .keys import STATE_KEYS
from .reads import COUNTS_LUA, queue_exists, read_counts, read_job, read_page
from .schedules import RQSchedulesMixin
from .search import search
from .workers import read_workers, without_workers


class RQBackend(RQFailuresMixin, RQSchedulesMixin, RQActions, QueueBackend):
    kind = "rq"
    states: ClassVar[tuple[JobState, ...]] = tuple(STATE_KEYS)
    supports_search = True
    supports_workers = True
    supports_worker_presence = True
    #: Dependencies shown as a tree (``flows``): the job that runs first at the top.
    supports_flows = True
    option_names = frozenset({"url", "queues", "socket_timeout", "connect_timeout"})
    #: RQ's queue runs head first (oldest first); the registries of finished, failed and
    #: canceled jobs list the newest first. No change feed: live updates poll (the default).
    newest_first: ClassVar[frozenset[JobState]] = frozenset(
        {JobState.COMPLETED, JobState.FAILED, JobState.CANCELED}
    )

    def __init__(self, alias: str, params: Mapping[str, Any]) -> None:
        super().__init__(alias, params)
        self.url: str = str(self.options.get("url") or "")
        if self.url:
            try:
                check_url(self.url)
            except UnreadableURL:
                raise InvalidBackendURL(f"QUEUEBOARD_BACKENDS[{alias!r}]: {REFUSAL}") from None
        self.fixed_queues = fixed_queues(self.options)
        self.pool = ClientPool(self.url, **timeouts(self.options))

    # -- reading ---------------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueSummary]:
        """Names (``rq:queues``, unless the ``queues`` option gives them), every queue's counts
        and the global suspension from one script call: one round trip in all."""
        with self.pool.translate_errors():
            counts = await read_counts(self.pool.script(COUNTS_LUA), self.fixed_queues, self.states)
        return [self._summary(name, row, counts.suspended) for name, row in counts.rows.items()]

    async def get_queue(self, name: str) -> QueueSummary:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, name)
            counts = await read_counts(self.pool.script(COUNTS_LUA), [name], self.states)
        return self._summary(name, counts.rows[name], counts.suspended)

    async def list_jobs(self, query: JobQuery) -> JobPage:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, query.queue)
            if query.state not in self.states:
                return JobPage(query=query, jobs=[], total=0)
            if query.text:
                found, matches, scanned, in_state = await search(
                    client,
                    self.alias,
                    query.queue,
                    query.state,
                    query.text,
                    query.scan_limit,
                    query.start,
                    query.stop,
                )
                scope = SearchScope(scanned=scanned, in_state=in_state)
                return JobPage(query=query, jobs=found, total=matches, searched=scope)
            page = await read_page(client, query.queue, query.state, query.start, query.stop)
        rows = [
            jobs.summary(self.alias, query.queue, row.id, query.state, row.score, row.fields)
            for row in page.rows
        ]
        return JobPage(query=query, jobs=rows, total=page.total)

    async def get_flow(
        self, queue: str, job_id: str, *, per_node: int = 50, focus_page: int = 1
    ) -> FlowTree | None:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            reader = RQFlowReader(self.pool, self.alias)
            return await reader.read(queue, job_id, per_node=per_node, focus_page=focus_page)

    async def get_job(self, queue: str, job_id: str) -> JobDetail:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            raw = await read_job(client, queue, job_id)
        origin = raw.fields.get("origin")
        belongs = raw.found_in or (
            origin is not None and origin.decode("utf-8", "replace") == queue
        )
        if not raw.fields or not belongs:
            raise JobNotFound(queue, job_id)
        return jobs.detail(
            self.alias,
            queue,
            job_id,
            raw.fields,
            found_in=raw.found_in,
            executions=raw.executions,
            dependents=raw.dependents,
            results=raw.results,
            ttl=raw.ttl,
        )

    async def list_workers(self, queue: str) -> list[WorkerInfo]:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            return await read_workers(client, queue)

    async def queues_without_workers(self, queues: Iterable[str]) -> set[str]:
        client = self.pool.get()
        with self.pool.translate_errors():
            return await without_workers(client, queues)

    async def close(self) -> None:
        await self.pool.close()

    # -- helpers ---------------------------------------------------------------------------------

    async def _require_queue(self, client: Any, name: str) -> None:
        if self.fixed_queues is not None:
            known = name in self.fixed_queues
        else:
            known = await queue_exists(client, name)
        if not known:
            raise QueueNotFound(self.alias, name)

    def _summary(self, name: str, row: dict[JobState, int], suspended: bool) -> QueueSummary:
        return QueueSummary(
            backend=self.alias,
            name=name,
            counts=ordered_counts(self.states, row),
            paused=suspended,
        )

    # -- configuration ---------------------------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if not self.url:
            messages.append(self._error("The 'url' option (a redis:// URL) is required.", "E005"))
            return messages
        messages += [self._error(problem, "E005") for problem in option_problems(self.options)]
        if reason := unanswered(self.pool):
            messages.append(self._warning(reason, "W001"))
        return messages
