"""Django Tasks results stored by django-tasks-db, read through the ORM.

The task framework has no listing API, so the backend reads ``DBTaskResult`` rows of one
``TASKS`` alias. Each status maps onto the board's states; a READY row whose ``run_after`` is
still ahead is *delayed* (django-tasks-db stores 9999-01-01 to mean "no delay").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat, Substr
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ...states import JobState
from ..base import QueueBackend, ordered_counts
from ..errors import BackendUnavailable, JobNotFound, QueueNotFound
from ..types import (
    JobDetail,
    JobPage,
    JobQuery,
    JobSummary,
    Payload,
    QueueSummary,
    SearchScope,
)
from . import kept as _kept
from .actions import TaskActionsMixin
from .changes import TaskChangesMixin
from .failures import TaskFailuresMixin
from .health import TaskHealthMixin
from .history import TaskHistoryMixin
from .kept import Kept
from .latest import TaskLatestMixin
from .rows import QUEUE_STATUS, date_max, row_state, state_case, state_filter

if TYPE_CHECKING:
    from django_tasks_db.models import DBTaskResult

_EMPTY = Payload(text="", size=0)
_DEFAULT_QUEUE = "default"

# Natural order of each state; the primary key last keeps pages stable on equal times.
_ORDER: dict[JobState, tuple[Any, ...]] = {
    JobState.WAITING: (F("enqueued_at").desc(), F("pk").desc()),
    JobState.DELAYED: (F("run_after").asc(), F("enqueued_at").asc(), F("pk").asc()),
    JobState.ACTIVE: (F("started_at").desc(nulls_last=True), F("pk").desc()),
    JobState.COMPLETED: (F("finished_at").desc(nulls_last=True), F("pk").desc()),
    JobState.FAILED: (F("finished_at").desc(nulls_last=True), F("pk").desc()),
}


def _tasks_setting() -> dict[str, Any]:
    tasks = getattr(settings, "TASKS", None)
    return tasks if isinstance(tasks, dict) else {}


def _id_text(native_uuid: bool) -> Combinable:
    """The row's id as the board shows it (``str(uuid)``: lower-case hex with dashes).

    A database without a UUID type stores the 32 hex digits alone; the dashes are put back so
    a search for a piece of the id as shown matches exactly that piece.
    """
    as_text = Cast("id", TextField())
    if native_uuid:
        return as_text
    pieces: list[Any] = []
    for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)):
        pieces += [Value("-"), Substr(as_text, start, length)]
    return Concat(*pieces[1:], output_field=TextField())


def _search_condition(text: str, state: JobState, native_json: bool) -> Q:
    """Rows whose id, name, data or (failed rows only) failure holds ``text``.

    The name is searched in the whole task path (the list shows its last part, the job page all
    of it); the failure in the exception's class path and the traceback. ``icontains`` escapes
    ``%``, ``_`` and ``\\``, so the text is matched literally.
    """
    condition = (
        Q(search_id__icontains=text) | Q(task_path__icontains=text) | Q(search_data__icontains=text)
    )
    escaped = json.dumps(text)[1:-1]
    if not native_json and not text.isascii() and escaped != text:
        # A JSON column stored as text keeps json.dumps' \uXXXX escapes of non-ASCII letters.
        condition |= Q(search_data__icontains=escaped)
    if state is JobState.FAILED:  # the failure shows only on failed jobs
        condition |= Q(exception_class_path__icontains=text) | Q(traceback__icontains=text)
    return condition


def failure_reason(exception_class_path: str, traceback: str) -> str | None:
    """The exception's own line of the traceback (``"module.Class: message"``).

    Falls back to the class path followed by the traceback's last line.
    """
    lines = [line.rstrip() for line in traceback.splitlines() if line.strip()]
    if exception_class_path:
        short = exception_class_path.rsplit(".", 1)[-1]
        for line in reversed(lines):
            if line in (exception_class_path, short) or line.startswith(
                (f"{exception_class_path}:", f"{short}:")
            ):
                return line
        if lines:
            return f"{exception_class_path}: {lines[-1].strip()}"
        return exception_class_path
    return lines[-1].strip() if lines else None


class DjangoTasksBackend(
    TaskChangesMixin,
    TaskFailuresMixin,
    TaskHealthMixin,
    TaskHistoryMixin,
    TaskLatestMixin,
    TaskActionsMixin,
    QueueBackend,
):
    """One django-tasks-db ``DatabaseBackend`` (``OPTIONS["task_backend"]``)."""

    kind = "django-tasks"
    states = (
        JobState.ACTIVE,
        JobState.WAITING,
        JobState.DELAYED,
        JobState.COMPLETED,
        JobState.FAILED,
    )
    supports_search = True
    option_names: ClassVar[frozenset[str]] = frozenset({"task_backend", "database", "job_schemas"})

    def __init__(self, alias: str, params: Any) -> None:
        super().__init__(alias, params)
        self.task_backend: str = str(self.options.get("task_backend") or "default")
        self.database: str | None = self.options.get("database") or None
        #: Reads of a big table kept and refreshed in the background (``kept.py``).
        self.kept = Kept(prepare=self._background_session)

    # -- configuration ---------------------------------------------------------------------------

    def declared_queues(self) -> list[str]:
        """Queues named by the TASKS entry (Django's "default" when it names none)."""
        entry = _tasks_setting().get(self.task_backend)
        queues = entry.get("QUEUES", [_DEFAULT_QUEUE]) if isinstance(entry, dict) else ()
        return [str(name) for name in queues or ()]

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if self.database is not None and self.database not in connections:
            messages.append(self._error(f"Unknown database alias {self.database!r}.", "E101"))
        if not apps.is_installed("django_tasks_db"):
            messages.append(self._error("django_tasks_db is not in INSTALLED_APPS.", "E102"))
            return messages
        tasks = _tasks_setting()
        if self.task_backend not in tasks:
            known = ", ".join(sorted(tasks)) or "none"
            messages.append(
                self._error(f"TASKS has no backend {self.task_backend!r} (known: {known}).", "E103")
            )
            return messages
        try:
            from django_tasks_db.backend import DatabaseBackend

            from ..tasks_compat import task_backends

            task_backend = task_backends[self.task_backend]
        except Exception as exc:  # an import or configuration error of the task framework
            messages.append(
                self._error(f"TASKS[{self.task_backend!r}] could not be loaded: {exc}", "E104")
            )
            return messages
        if not isinstance(task_backend, DatabaseBackend):
            messages.append(
                self._error(
                    f"TASKS[{self.task_backend!r}] is {type(task_backend).__name__}, not "
                    "django_tasks_db.DatabaseBackend; only database-backed tasks can be listed.",
                    "E105",
                )
            )
        return messages

    # -- reading ---------------------------------------------------------------------------------

    async def list_queues(self) -> list[QueueSummary]:
        with self._database_errors():
            was_kept = self.kept.is_kept(("queues",))
            counts = await self.kept.read(("queues",), self._all_counts, _many_rows)
            small = [name for name, found in counts.items() if not _many_rows(found)]
            if was_kept and small:
                # The kept counts are of a big table; its small queues are counted exactly, in
                # one grouped query through the queue_name index.
                counts = {**counts, **{name: {} for name in small}}
                counts.update(await self._all_counts(self._queue_rows(small)))
        declared: dict[str, dict[JobState, int]] = {name: {} for name in self.declared_queues()}
        merged = {**declared, **counts}
        return [self._summary(name, merged[name]) for name in sorted(merged)]

    async def _all_counts(
        self, of: QuerySet[DBTaskResult] | None = None
    ) -> dict[str, dict[JobState, int]]:
        """Rows per queue and state: one grouped query over the backend's rows (or ``of``)."""
        counts: dict[str, dict[JobState, int]] = {}
        rows = (
            (self._rows() if of is None else of)
            .annotate(board_state=state_case(timezone.now()))
            .values("queue_name", "board_state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        async for row in rows:
            found = counts.setdefault(row["queue_name"], {})
            if row["board_state"]:
                found[JobState(row["board_state"])] = row["n"]
        return counts

    async def get_queue(self, name: str) -> QueueSummary:
        with self._database_errors():
            counts = self._kept_counts(name)
            if counts is None:
                counts = await self.kept.read(
                    ("queue", name), lambda: self._queue_counts(name), _many_rows
                )
        if counts is None:
            if name not in self.declared_queues():
                raise QueueNotFound(self.alias, name)
            counts = {}
        return self._summary(name, counts)

    def _kept_counts(self, name: str) -> dict[JobState, int] | None:
        """A big queue's kept counts: from the kept counts of all queues when they hold it (one
        background read for the overview and the queue), else its own; None for a small queue."""
        every = self.kept.peek(("queues",))
        if every is not None and _many_rows(every.get(name)):
            return dict(every[name])
        found: dict[JobState, int] | None = self.kept.peek(("queue", name))
        return found

    async def _queue_counts(self, name: str) -> dict[JobState, int] | None:
        """Rows of the queue per state (None: it has no rows), through its ``queue_name`` index."""
        counts: dict[JobState, int] = {}
        seen = False
        rows = (
            self._queue_rows(name)
            .annotate(board_state=state_case(timezone.now()))
            .values("board_state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        async for row in rows:
            seen = True
            if row["board_state"]:
                counts[JobState(row["board_state"])] = row["n"]
        return counts if seen else None

    async def list_jobs(self, query: JobQuery) -> JobPage:
        if query.text:
            return await self._search_jobs(query)
        start = max(query.start, 0)
        with self._database_errors():
            # A queue whose counts are kept (KEEP_ROWS rows or more): the tab's total is its
            # kept count, as on the tab itself, and its page is kept too.
            counts = self._kept_counts(query.queue)
            if counts is not None:
                total = counts.get(query.state, 0)
                key = ("jobs", query.queue, query.state, start, query.per_page)
                jobs = (
                    await self.kept.read(key, lambda: self._page(query, start), _always)
                    if total
                    else []
                )
                return JobPage(query=query, jobs=jobs, total=total)
            queue_rows = self._queue_rows(query.queue)
            total = await self._state_rows(queue_rows, query.state).acount()
            if total:  # one count and one LIMIT/OFFSET page
                jobs = await self._page(query, start)
            elif not await self._queue_exists(queue_rows, query.queue):
                raise QueueNotFound(self.alias, query.queue)
            else:
                jobs = []
        return JobPage(query=query, jobs=jobs, total=total)

    def _state_rows(self, queue_rows: QuerySet[DBTaskResult], state: JobState) -> QuerySet[Any]:
        condition = state_filter(state, timezone.now(), QUEUE_STATUS)
        return queue_rows.filter(condition) if condition is not None else queue_rows.none()

    async def _page(self, query: JobQuery, start: int) -> list[JobSummary]:
        """One LIMIT/OFFSET page of the state, in its natural order."""
        now = timezone.now()
        rows = self._state_rows(self._queue_rows(query.queue), query.state)
        page = rows.defer("return_value").order_by(*_ORDER[query.state])
        return [self._job_summary(row, now) async for row in page[start : start + query.per_page]]

    async def get_job(self, queue: str, job_id: str) -> JobDetail:
        try:
            pk = uuid.UUID(str(job_id))
        except ValueError:
            raise JobNotFound(queue, job_id) from None
        with self._database_errors():
            queue_rows = self._queue_rows(queue)
            try:
                row = await queue_rows.aget(pk=pk)
            except queue_rows.model.DoesNotExist:
                if not await self._queue_exists(queue_rows, queue):
                    raise QueueNotFound(self.alias, queue) from None
                raise JobNotFound(queue, job_id) from None
        return self._job_detail(row, timezone.now())

    async def _search_jobs(self, query: JobQuery) -> JobPage:
        """The jobs holding ``query.text`` among the first ``query.scan_limit`` of the state.

        Three queries at most: the count of the state (the kept one of a big queue), the count
        of matches in the window and the page of matches; the window is a LIMITed subquery.
        """
        now = timezone.now()
        condition = state_filter(query.state, now, QUEUE_STATUS)
        jobs: list[JobSummary] = []
        total = 0
        with self._database_errors():
            queue_rows = self._queue_rows(query.queue)
            rows = queue_rows.filter(condition) if condition is not None else queue_rows.none()
            kept_counts = self._kept_counts(query.queue)  # a big queue's (kept.py)
            in_state = (
                kept_counts.get(query.state, 0) if kept_counts is not None else await rows.acount()
            )
            scanned = min(in_state, max(query.scan_limit, 0))
            if scanned:
                order = _ORDER[query.state]
                window = Subquery(rows.order_by(*order).values("pk")[:scanned])
                features = connections[rows.db].features
                matches = (
                    self._rows()
                    .filter(pk__in=window)
                    .alias(
                        search_id=_id_text(features.has_native_uuid_field),
                        search_data=Cast("args_kwargs", TextField()),
                    )
                    .filter(
                        _search_condition(query.text, query.state, features.has_native_json_field)
                    )
                )
                total = await matches.acount()
                start = max(query.start, 0)
                if start < total:
                    page = matches.defer("return_value").order_by(*order)
                    async for row in page[start : start + query.per_page]:
                        jobs.append(self._job_summary(row, now))
            elif not in_state and not await self._queue_exists(queue_rows, query.queue):
                raise QueueNotFound(self.alias, query.queue)
        scope = SearchScope(scanned=scanned, in_state=in_state)
        return JobPage(query=query, jobs=jobs, total=total, searched=scope)

    # -- helpers ---------------------------------------------------------------------------------

    def _rows(self) -> QuerySet[DBTaskResult]:
        if not apps.is_installed("django_tasks_db"):
            raise BackendUnavailable("django_tasks_db is not in INSTALLED_APPS.")
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.filter(backend_name=self.task_backend)
        return rows.using(self.database) if self.database else rows

    def _queue_rows(self, name: str | list[str]) -> QuerySet[DBTaskResult]:
        """The rows of one queue (or of a list of queues), read through the ``queue_name`` index.

        The backend's name and the status (``QUEUE_STATUS``) are compared through ``COALESCE``
        (neither column is ever NULL), which no index serves: SQLite, with no statistics, would
        otherwise pick the ``backend_name`` index, which nearly every row shares, or the index
        of every queue's READY rows, and read far more than a small queue's rows.
        """
        if not apps.is_installed("django_tasks_db"):
            raise BackendUnavailable("django_tasks_db is not in INSTALLED_APPS.")
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.alias(
            board_backend=Coalesce(F("backend_name"), Value(""), output_field=TextField()),
            **{QUEUE_STATUS: Coalesce(F("status"), Value(""), output_field=TextField())},
        ).filter(board_backend=self.task_backend)
        rows = (
            rows.filter(queue_name__in=name)
            if isinstance(name, list)
            else rows.filter(queue_name=name)
        )
        return rows.using(self.database) if self.database else rows

    def _background_session(self) -> None:
        """In the kept reads' thread, on its own connection: a PostgreSQL scan of a big queue
        runs without parallel workers, so it takes one CPU of the server, not all, and the
        requests meanwhile are not slowed down by it."""
        connection = connections[self.database or "default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")

    async def _queue_exists(self, queue_rows: QuerySet[DBTaskResult], name: str) -> bool:
        return name in self.declared_queues() or await queue_rows.aexists()

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except ConnectionDoesNotExist as exc:
            message = _("Unknown database alias {alias}.")
            raise BackendUnavailable(format_lazy(message, alias=repr(self.database))) from exc
        except DatabaseError as exc:
            where = self.database or "default"
            message = _("The task database ({where}) could not be read: {error}")
            raise BackendUnavailable(format_lazy(message, where=repr(where), error=exc)) from exc

    def _summary(self, name: str, counts: dict[JobState, int]) -> QueueSummary:
        return QueueSummary(
            backend=self.alias, name=name, counts=ordered_counts(self.states, counts)
        )

    def _job_fields(self, row: DBTaskResult, now: datetime) -> dict[str, Any]:
        state = row_state(row, now)
        # Each worker that took the task added its id: the runs begun. A running task's own run
        # has not finished (BullMQ's attemptsStarted and attemptsMade).
        started = len(row.worker_ids or ())
        return {
            "backend": self.alias,
            "queue": row.queue_name,
            "id": str(row.id),
            "state": state,
            "name": row.task_path.rsplit(".", 1)[-1],
            "data": Payload.from_value(row.args_kwargs),
            "progress": _EMPTY,
            "attempts_made": max(started - 1, 0) if state is JobState.ACTIVE else started,
            "attempts_started": started,
            "created_at": row.enqueued_at,
            "processed_at": row.started_at,
            "finished_at": row.finished_at,
            "due_at": row.run_after if state is JobState.DELAYED else None,
            "priority": row.priority,
            "failed_reason": (
                failure_reason(row.exception_class_path, row.traceback)
                if state is JobState.FAILED
                else None
            ),
            "problems": _problems(row),
        }

    def _job_summary(self, row: DBTaskResult, now: datetime) -> JobSummary:
        return JobSummary(**self._job_fields(row, now))

    def _job_detail(self, row: DBTaskResult, now: datetime) -> JobDetail:
        fields = self._job_fields(row, now)
        worker_ids = [str(worker) for worker in row.worker_ids or ()]
        extra = [
            (gettext_noop("Task path"), row.task_path),
            (gettext_noop("Task backend"), row.backend_name),
        ]
        if row.run_after < date_max():
            extra.append((gettext_noop("Run after"), row.run_after.isoformat()))
        if worker_ids:
            extra.append((gettext_noop("Worker ids"), ", ".join(worker_ids)))
        if row.exception_class_path:
            extra.append((gettext_noop("Exception"), row.exception_class_path))
        completed = fields["state"] is JobState.COMPLETED
        return JobDetail(
            **fields,
            return_value=Payload.from_value(row.return_value) if completed else _EMPTY,
            stacktrace=(row.traceback,) if row.traceback else (),
            worker=worker_ids[-1] if worker_ids else None,
            extra=tuple(extra),
        )


def _always(_answer: Any) -> bool:
    return True


def _many_rows(counts: Any) -> bool:
    """Whether counts (of one queue, or per queue; None: no rows) cover ``KEEP_ROWS`` rows."""
    if not counts:
        return False
    values = counts.values()
    if all(isinstance(value, dict) for value in values):
        return sum(sum(state.values()) for state in values) >= _kept.KEEP_ROWS
    return sum(values) >= _kept.KEEP_ROWS


def _problems(row: DBTaskResult) -> tuple[str, ...]:
    stored = row.args_kwargs
    if isinstance(stored, dict) and isinstance(stored.get("args"), list):
        if isinstance(stored.get("kwargs"), dict):
            return ()
    return ('The stored arguments are not {"args": [...], "kwargs": {...}}.',)
