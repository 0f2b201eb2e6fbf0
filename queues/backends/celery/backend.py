"""``CeleryBackend``: Celery's queues read from its Redis broker, its tasks by id from its Redis
result backend, without Celery in the board's process.

Configured as::

    QUEUEBOARD_BACKENDS = {
        "celery": {
            "BACKEND": "queues.backends.celery.CeleryBackend",
            "OPTIONS": {
                "url": "redis://localhost:6379/0",  # the broker (kombu's Redis transport)
                "result_url": "redis://localhost:6379/1",  # the result backend (optional)
                "queues": ["celery", "emails"],  # optional: else the broker's bindings
            },
        },
    }

What the broker holds is counted, not listed: a Celery message belongs to the broker and its
workers (kombu gives no way to read one by id or to act on it in place, and other brokers
cannot list at all), so waiting tasks are a live count, as Flower's broker page shows them.
A task is read by its id from the result backend: state, result or failure and traceback,
and with ``result_extended`` its name, arguments, worker and queue.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from django.core import checks
from django.utils.translation import gettext_lazy as _

from ...language import Text
from ...states import JobState
from .. import InvalidBackendURL
from ..base import QueueBackend, ordered_counts
from ..errors import JobNotFound, QueueNotFound
from ..redis_clients import ClientPool
from ..redis_options import fixed_queues, option_problems, timeouts, unanswered
from ..redis_url import REFUSAL, UnreadableURL, check_url
from ..types import JobDetail, JobPage, JobQuery, QueueSummary
from . import results
from .reads import discover, read_result, waiting_counts

#: Seconds the queues found in the broker's bindings are reused before the next SCAN.
DISCOVERY_SECONDS = 30.0
#: Longest task id looked up (Celery's are UUIDs; ids of one's own choosing may be longer).
MAX_TASK_ID = 255


class CeleryBackend(QueueBackend):
    kind = "celery"
    states: ClassVar[tuple[JobState, ...]] = (JobState.WAITING,)
    counted_only: ClassVar[frozenset[JobState]] = frozenset({JobState.WAITING})
    option_names = frozenset(
        {"url", "result_url", "queues", "key_prefix", "socket_timeout", "connect_timeout"}
    )
    newest_first: ClassVar[frozenset[JobState]] = frozenset()

    def __init__(self, alias: str, params: Mapping[str, Any]) -> None:
        super().__init__(alias, params)
        self.url: str = str(self.options.get("url") or "")
        self.result_url: str = str(self.options.get("result_url") or "")
        for url in (self.url, self.result_url):
            if url:
                try:
                    check_url(url)
                except UnreadableURL:
                    raise InvalidBackendURL(f"QUEUEBOARD_BACKENDS[{alias!r}]: {REFUSAL}") from None
        self.fixed_queues = fixed_queues(self.options)
        self.key_prefix: str = str(self.options.get("key_prefix") or "")
        timeout = timeouts(self.options)
        self.broker = ClientPool(
            self.url,
            missing_url=_("The Celery backend has no 'url' option configured."),
            **timeout,
        )
        self.results = ClientPool(
            self.result_url,
            missing_url=_("The Celery backend has no 'result_url' option configured."),
            **timeout,
        )
        self._found: tuple[float, list[str]] | None = None

    # -- reading ---------------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueSummary]:
        """Every queue's waiting count from one pipeline (after the bindings' SCAN, at most
        every ``DISCOVERY_SECONDS`` when ``queues`` is not given)."""
        names = await self._queue_names()
        with self.broker.translate_errors():
            counts = await waiting_counts(self.broker.get(), self.key_prefix, names)
        return [self._summary(name, counts[name]) for name in names]

    async def get_queue(self, name: str) -> QueueSummary:
        await self._require_queue(name)
        with self.broker.translate_errors():
            counts = await waiting_counts(self.broker.get(), self.key_prefix, [name])
        return self._summary(name, counts[name])

    async def list_jobs(self, query: JobQuery) -> JobPage:
        """No rows: waiting messages are counted only (``counted_only``), and no other state
        is kept by Celery in a form that can be listed."""
        summary = await self.get_queue(query.queue)
        return self.unlisted_page(query, summary) or JobPage(query=query, jobs=[], total=0)

    async def get_job(self, queue: str, job_id: str) -> JobDetail:
        await self._require_queue(queue)
        if not self.result_url or not job_id or len(job_id) > MAX_TASK_ID:
            raise JobNotFound(queue, job_id)
        with self.results.translate_errors():
            stored = await read_result(self.results.get(), job_id)
        if stored.raw is None and not stored.too_large:
            raise JobNotFound(queue, job_id)
        parsed = results.ParsedResult.of(stored)
        if parsed.queue is not None and parsed.queue != queue:
            raise JobNotFound(queue, job_id)  # another queue's task
        return results.detail(self.alias, queue, job_id, parsed)

    def unlisted_reason(self, state: JobState) -> Text | None:
        if state not in self.counted_only:
            return None
        if self.result_url:
            return _(
                "Celery's broker holds these tasks for its workers: they are counted, not "
                "listed. A task can be read by its id once a worker has stored its state."
            )
        return _(
            "Celery's broker holds these tasks for its workers: they are counted, not listed. "
            "Set the backend's 'result_url' option to read tasks by their id."
        )

    async def close(self) -> None:
        await self.broker.close()
        await self.results.close()

    # -- helpers ---------------------------------------------------------------------------------

    async def _queue_names(self, *, fresh: bool = False) -> list[str]:
        if self.fixed_queues is not None:
            return list(self.fixed_queues)
        now = time.monotonic()
        if fresh or self._found is None or now - self._found[0] >= DISCOVERY_SECONDS:
            with self.broker.translate_errors():
                self._found = (now, await discover(self.broker.get(), self.key_prefix))
        return list(self._found[1])

    async def _require_queue(self, name: str) -> None:
        if name in await self._queue_names():
            return
        # A queue bound since the last SCAN is found at once, at most once a second.
        if self.fixed_queues is None and self._found and time.monotonic() - self._found[0] >= 1:
            if name in await self._queue_names(fresh=True):
                return
        raise QueueNotFound(self.alias, name)

    def _summary(self, name: str, waiting: int) -> QueueSummary:
        return QueueSummary(
            backend=self.alias,
            name=name,
            counts=ordered_counts(self.states, {JobState.WAITING: waiting}),
        )

    # -- configuration ---------------------------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if not self.url:
            message = "The 'url' option (the broker's redis:// URL) is required."
            messages.append(self._error(message, "E005"))
            return messages
        problems = option_problems(self.options)
        prefix = self.options.get("key_prefix")
        if prefix is not None and not isinstance(prefix, str):
            problems.append("The 'key_prefix' option must be a string.")
        messages += [self._error(problem, "E005") for problem in problems]
        for pool in (self.broker, self.results):
            if pool.url and (reason := unanswered(pool)):
                messages.append(self._warning(reason, "W001"))
        return messages
