"""The board's own records: permissions, the audit log, and bulk runs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Board(models.Model):
    """No table: the anchor of the board's permissions (``queues.retry_jobs`` and so on)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("retry_jobs", "Can retry jobs"),
            # Besides retry_jobs: re-running jobs that completed (one, a selection, or all).
            ("rerun_completed_jobs", "Can re-run completed jobs"),
            ("promote_jobs", "Can promote delayed jobs"),
            ("remove_jobs", "Can remove jobs"),
            ("clean_queues", "Can clean old jobs from queues"),
            ("pause_queues", "Can pause and resume queues"),
            ("empty_queues", "Can empty queues"),
            ("run_schedules", "Can run schedules now"),
            ("change_schedules", "Can change schedules"),
            ("remove_schedules", "Can remove schedules"),
            ("add_jobs", "Can add and duplicate jobs"),
            # Changing a job that has not started: its data, due time or priority.
            ("edit_jobs", "Can edit jobs that have not started"),
            ("obliterate_queues", "Can obliterate queues"),
            ("change_concurrency", "Can change the global concurrency of queues"),
            ("cancel_jobs", "Can cancel jobs that have not started"),
            ("stop_jobs", "Can stop running jobs"),
            ("suspend_workers", "Can suspend and resume all workers of a backend"),
            ("view_unredacted", "Can see masked job values (passwords, tokens) unmasked"),
            ("replay_dead_letters", "Can replay dead-letter jobs into their original queues"),
        ]

    def __str__(self) -> str:
        return "Queueboard"


class BulkRun(models.Model):
    """A queue-wide action done in batches off the request, with progress and cancellation."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # waiting for a free worker (BULK_WORKERS)
        RUNNING = "running", _("Running")
        CANCELLING = "cancelling", _("Cancelling")
        CANCELLED = "cancelled", _("Cancelled")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Stopped by an error")
        INTERRUPTED = "interrupted", _("Interrupted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.CharField(max_length=32)
    backend = models.CharField(max_length=100)
    queue = models.CharField(max_length=500)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    expected = models.PositiveBigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: A board-wide run's part per queue (``actions.board_wide``); empty for other runs.
    summary = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.action} on {self.backend}:{self.queue} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> float | None:
        if not self.expected:
            return None
        return min(100.0, 100.0 * (self.done + self.skipped + self.failed) / self.expected)


#: A run in one of these is still to be done (or being cancelled).
ACTIVE_STATUSES = frozenset(
    {BulkRun.Status.QUEUED, BulkRun.Status.RUNNING, BulkRun.Status.CANCELLING}
)


class AuditEntry(models.Model):
    """One action someone took on the board, whatever its outcome."""

    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        PARTIAL = "partial", "Partly done"
        REFUSED = "refused", "Refused"
        ERROR = "error", "Error"
        # Nothing done, nothing wrong: the jobs had moved on (or were gone) before the action.
        SKIPPED = "skipped", "Skipped"
        # A bulk run's one entry while it runs; updated with its outcome when it ends.
        STARTED = "started", "Running"
        CANCELLED = "cancelled", "Cancelled"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=32, db_index=True)
    backend = models.CharField(max_length=100, db_index=True)
    queue = models.CharField(max_length=500, blank=True)
    job_ids = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    affected = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True)
    message = models.TextField(blank=True)
    run = models.ForeignKey(BulkRun, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username or '?'} {self.action}"


# The metrics history's rollups live with their feature (queues/history/models.py).
from .alerts.models import AlertEvent, AlertState  # noqa: E402
from .history.models import MetricRollup  # noqa: E402

__all__ = ["AlertEvent", "AlertState", "AuditEntry", "Board", "BulkRun", "MetricRollup"]
