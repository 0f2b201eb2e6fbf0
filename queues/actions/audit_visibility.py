"""Which audit entries (and bulk runs) a user may read: those of queues the user may see.

An entry names a backend alias and a queue. It is shown when the alias is configured, the user
may see that backend, the queue is not in its ``HIDDEN_QUEUES``, and the ``ACCESS`` rule allows
that (alias, queue), exactly as a page decides. A queue that no longer exists keeps its entries
under the same test: the rule is asked about its name. A backend no longer configured shows its
entries to nobody: no rule or hidden list can be asked about it any more.

The test is one condition in the query. Under the built-in rule, which ignores the queue, a
backend's part is ``backend = alias AND queue NOT IN (hidden)``, whatever the log's size. A
custom rule is asked once per queue name the log holds for the backend (one ``DISTINCT`` read),
and the allowed names become ``backend = alias AND queue IN (...)``.

Runs in a thread: a custom rule may read the database, and the names are read from it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q
from django.utils.module_loading import import_string

from ..backends import backends
from ..conf import setting
from ..permissions import can_view_backend, staff_only, visible_queue_names


def _rule_ignores_the_queue() -> bool:
    rule = setting("ACCESS")
    return (import_string(rule) if isinstance(rule, str) else rule) is staff_only


def visible_to(user: Any, model: type[Model]) -> Q:
    """A filter on ``model`` (by its ``backend`` and ``queue``): what ``user`` may see."""
    seen = Q(pk__in=[])  # nothing, unless a backend below adds its part
    blind = _rule_ignores_the_queue()
    for alias in backends:
        if not can_view_backend(user, alias):
            continue
        backend = backends[alias]
        if blind:
            seen |= Q(backend=alias) & ~Q(queue__in=sorted(backend.hidden_queues))
            continue
        rows = model._default_manager.filter(backend=alias).order_by()
        names = set(rows.values_list("queue", flat=True).distinct())
        allowed = visible_queue_names(user, backend, names)
        if allowed:
            seen |= Q(backend=alias, queue__in=sorted(allowed))
    # A board-wide run's entry (backend "*") names every queue's outcome, some of which another
    # user may not see: it is its starter's (and a superuser's) to read.
    if getattr(user, "is_superuser", False):
        seen |= Q(backend="*")
    elif getattr(user, "pk", None) is not None:
        seen |= Q(backend="*", user_id=user.pk)
    return seen
