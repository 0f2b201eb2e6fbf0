"""Django admin: the audit log and bulk runs, read-only, of the queues the viewer may see.

Entries and runs of hidden queues, of queues the ``ACCESS`` rule keeps from the viewer and of
backends no longer configured are left out, as on the board's own audit page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .actions.audit_visibility import visible_to
from .models import AuditEntry, BulkRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(visible_to(request.user, self.model))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "username", "action", "backend", "queue", "affected", "outcome")
    list_filter = ("action", "outcome", "backend")
    search_fields = ("username", "queue", "message")
    date_hierarchy = "created_at"


@admin.register(BulkRun)
class BulkRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "username", "action", "backend", "queue", "status", "done")
    list_filter = ("action", "status", "backend")
