"""The rollup rows: one queue's finished jobs and latency histograms over a minute, an hour or
a day. A queue holds at most ``buckets.rows_bound()`` rows (older ones are deleted as the
recorder writes, ``store.prune``)."""

from __future__ import annotations

from django.db import models

from .buckets import Resolution


class MetricRollup(models.Model):
    backend = models.CharField(max_length=100)
    queue = models.CharField(max_length=500)
    resolution = models.CharField(max_length=1, choices=[(r.value, r.name) for r in Resolution])
    #: The row's start, seconds since the epoch (UTC), a multiple of its resolution.
    start = models.BigIntegerField()
    completed = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    #: Sparse log-scale histograms of wait and run times (``buckets``).
    wait = models.JSONField(default=dict)
    run = models.JSONField(default=dict)

    class Meta:
        app_label = "queues"
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "queue", "resolution", "start"], name="queues_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["resolution", "start"], name="queues_rollup_age")]

    def __str__(self) -> str:
        return f"{self.backend}:{self.queue} {self.resolution}@{self.start}"
