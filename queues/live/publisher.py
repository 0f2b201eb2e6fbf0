"""Render each change once and send it to the channel groups of its queue or job.

Consumers only forward these messages (choosing the parts their page shows); they never read
queue state themselves after the first snapshot. Each message names its group: the channel
layer carries it once per process (see ``hub``), whose hub forwards it to the local viewers.
Fragments are rendered once per language viewers speak (``languages``), not once per viewer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .. import redaction
from ..backends.base import QueueBackend
from ..backends.types import JobDetail, JobSummary, QueueSummary
from ..history import recorder as history
from ..states import JobState
from . import groups, languages, render

#: Message types, as consumer handler names (``qb.queue`` → ``qb_queue``).
QUEUE_MESSAGE = "qb.queue"
JOB_MESSAGE = "qb.job"
RESYNC_MESSAGE = "qb.resync"
ANNOUNCE_MESSAGE = "qb.announce"
WATCH_MESSAGE = "qb.watch"
ADDED_MESSAGE = "qb.added"


class Publisher:
    """Sends rendered fragments; remembers the counts sent so that only changes go out."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self._sent_counts: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._listed: dict[str, set[str]] = {}
        #: Messages sent, per type (for tests and the benchmark).
        self.sent: dict[str, int] = {}
        #: Renders of a change's fragments, per language (for tests and the benchmark).
        self.rendered: Counter[str] = Counter()

    async def _send(self, group: str, message: dict[str, Any]) -> None:
        """Send to ``group``, named in the message: each process's hub forwards it locally."""
        self.sent[message["type"]] = self.sent.get(message["type"], 0) + 1
        await self.layer.group_send(group, {**message, "group": group})

    def counts_changed(self, summary: QueueSummary) -> bool:
        key = (summary.backend, summary.name)
        value = (
            tuple(summary.counts.items()),
            summary.paused,
            summary.problem,
            summary.schedules_overdue,
        )
        if self._sent_counts.get(key) == value:
            return False
        self._sent_counts[key] = value
        return True

    def forget_counts(self) -> None:
        """Send every queue's counts again at the next read (after a reconnection)."""
        self._sent_counts.clear()

    async def queue(
        self,
        backend: QueueBackend,
        name: str,
        *,
        summary: QueueSummary | None = None,
        progress: Sequence[JobSummary] = (),
        moved: Mapping[str, Sequence[JobState]] | None = None,
        entered: Mapping[JobState, int] | None = None,
        rows: Mapping[JobState, Sequence[JobSummary]] | None = None,
    ) -> None:
        """One message to the queue's group with whatever changed; nothing if nothing did.

        Its fragments are rendered once per language some viewer speaks (``languages``)."""
        history.observe(backend, name, moved, entered)  # the metrics history counts finishes
        message: dict[str, Any] = {"type": QUEUE_MESSAGE}
        counts = summary if summary is not None and self.counts_changed(summary) else None

        def fragments() -> dict[str, Any]:
            parts: dict[str, Any] = {}
            if counts is not None:
                parts["row"] = render.queue_row(backend, counts)
                parts["tabs"] = render.tab_counts(backend, counts)
                parts["sidebar"] = render.sidebar_count(backend, counts)
            if progress:
                parts["progress"] = "".join(render.progress_cell(job) for job in progress)
            if rows:
                parts["rows"] = {
                    state.value: render.job_rows(jobs, state)
                    for state, jobs in rows.items()
                    if jobs
                }
                if not parts["rows"]:
                    del parts["rows"]
            return parts

        message.update(languages.in_languages(fragments, self.rendered))
        if moved:
            message["moved"] = [
                [job_id, [s.value for s in states]] for job_id, states in moved.items()
            ]
            # Job pages showing a flow with these jobs in it refresh its tree.
            message["flow"] = [
                groups.flow_node_key(backend.alias, name, job_id) for job_id in moved
            ]
        if entered:
            message["entered"] = {state.value: n for state, n in entered.items() if n}
        if len(message) > 1:
            await self._send(groups.queue_group(backend.alias, name), message)

    def new_queues(self, alias: str, names: Sequence[str]) -> list[str]:
        """Names of ``alias`` not listed before (none at a backend's first listing)."""
        known = self._listed.get(alias)
        self._listed[alias] = set(names) | (known or set())
        return [] if known is None else [name for name in names if name not in known]

    async def queue_added(self, backend: QueueBackend, summary: QueueSummary) -> None:
        """Tell overview consumers of a new queue; each checks its user may see it."""
        await self._send(
            groups.OVERVIEW_GROUP,
            {
                "type": ADDED_MESSAGE,
                "alias": backend.alias,
                "queue": summary.name,
                **languages.in_languages(
                    lambda: {"row": render.new_queue_row(backend, summary)}, self.rendered
                ),
            },
        )

    async def job(self, backend: QueueBackend, job: JobDetail) -> None:
        """The job page's regions; its state lets consumers render the actions their user has."""

        def fragments() -> dict[str, Any]:
            parts = {"html": render.job_page(backend, job)}
            if redaction.patterns():  # for the viewers who see values as stored
                parts["html_unredacted"] = render.job_page(backend, job, unmasked=True)
            return parts

        html = languages.in_languages(fragments, self.rendered)
        await self._send(
            groups.job_group(backend.alias, job.queue, job.id),
            {"type": JOB_MESSAGE, **html, "state": job.state.value},
        )

    async def job_progress(self, job: JobSummary) -> None:
        html = languages.in_languages(lambda: {"html": render.job_progress(job)}, self.rendered)
        await self._send(
            groups.job_group(job.backend, job.queue, job.id), {"type": JOB_MESSAGE, **html}
        )

    async def resync(self) -> None:
        """Tell every viewer that updates may have been missed (the reader reconnected)."""
        await self._send(groups.VIEWERS_GROUP, {"type": RESYNC_MESSAGE})

    async def announce(self) -> None:
        """Ask every consumer to announce what it watches (a reader has just started)."""
        await self._send(groups.VIEWERS_GROUP, {"type": ANNOUNCE_MESSAGE})
