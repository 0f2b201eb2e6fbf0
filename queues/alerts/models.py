"""What the alerts remember in the board's database: each rule's state per queue (so a
restarted board neither fires again nor forgets to resolve) and the history of firings."""

from __future__ import annotations

from django.db import models


class AlertState(models.Model):
    rule = models.CharField(max_length=100)
    backend = models.CharField(max_length=100)
    queue = models.CharField(max_length=500)
    firing = models.BooleanField(default=False)
    #: The value last measured, and when.
    value = models.FloatField(null=True)
    checked_at = models.DateTimeField(null=True)
    last_fired_at = models.DateTimeField(null=True)
    last_resolved_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "queues"
        constraints = [
            models.UniqueConstraint(fields=["rule", "backend", "queue"], name="queues_alert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.backend}:{self.queue} {'firing' if self.firing else 'ok'}"


class AlertEvent(models.Model):
    class Change(models.TextChoices):
        FIRED = "fired", "Fired"
        RESOLVED = "resolved", "Resolved"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    rule = models.CharField(max_length=100, db_index=True)
    backend = models.CharField(max_length=100)
    queue = models.CharField(max_length=500)
    change = models.CharField(max_length=8, choices=Change.choices)
    value = models.FloatField()
    threshold = models.FloatField()

    class Meta:
        app_label = "queues"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule} {self.backend}:{self.queue} {self.change}"
