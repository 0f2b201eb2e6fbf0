"""The board's features: each brings its own routes and queue-page panels, listed here once.

A feature (schedules, metrics history, health, failure groups, ...) is one ``<feature>_urls``
module and, where the queue page shows something of it, a panel partial. Adding one is a module
and a line in ``FEATURES``: ``queues.urls`` splices every feature's routes at the right place and
the queue page and the header include every feature's partials (``{% feature_panels "queue" as
panels %}``, ``"nav"``), as
django-debug-toolbar panels bring their own URLs and templates.

A routes module may define, each optional:

* ``urlpatterns``: board-wide routes with fixed paths (``metrics``), mounted before the rest;
* ``api_urlpatterns``: JSON routes, after the job routes and before the queue-action route (a
  job may be called like a feature's word; a queue name takes any path);
* ``page_urlpatterns``: pages, after the job pages and before the queue page, likewise.

A panel partial decides from ``backend`` (its capability flags) whether it shows anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Literal

from django.urls import URLPattern, URLResolver

#: Where a feature's routes go in ``queues.urls``.
RouteKind = Literal["urlpatterns", "api_urlpatterns", "page_urlpatterns"]


@dataclass(frozen=True)
class BoardFeature:
    """One capability of the board with its own routes and partials."""

    name: str
    #: The dotted path of its routes module.
    urls: str
    #: Partials included on the queue page below the job list, in this order.
    queue_panels: tuple[str, ...] = ()
    #: Links among the board-wide pages of the header (``partials/board_nav.html``).
    nav_links: tuple[str, ...] = ()


#: Every feature, in the order their routes are tried and their panels shown.
FEATURES: tuple[BoardFeature, ...] = (
    BoardFeature("metrics", "queues.metrics_urls"),
    BoardFeature("job forms", "queues.job_form_urls"),
    BoardFeature(
        "schedules",
        "queues.schedule_urls",
        queue_panels=("queues/partials/schedules_slot.html",),
        nav_links=("queues/partials/schedules_link.html",),
    ),
    BoardFeature(
        "metrics history",
        "queues.history_urls",
        queue_panels=("queues/partials/history_slot.html",),
    ),
    BoardFeature(
        "health", "queues.health_urls", queue_panels=("queues/partials/health_slot.html",)
    ),
    BoardFeature(
        "failure groups",
        "queues.failure_group_urls",
        nav_links=("queues/partials/failures_link.html",),
    ),
    BoardFeature("alerts", "queues.alert_urls", nav_links=("queues/partials/alerts_link.html",)),
    BoardFeature("board actions", "queues.board_action_urls"),
    BoardFeature(
        "dead letters",
        "queues.dead_letter_urls",
        queue_panels=("queues/partials/dead_letter_slot.html",),
    ),
    BoardFeature(
        "limits and server",
        "queues.operations_urls",
        queue_panels=("queues/partials/limits_slot.html",),
    ),
)


def routes(
    kind: RouteKind, features: tuple[BoardFeature, ...] = FEATURES
) -> list[URLPattern | URLResolver]:
    """Every feature's routes of ``kind``, in ``features`` order."""
    found: list[URLPattern | URLResolver] = []
    for feature in features:
        found += getattr(import_module(feature.urls), kind, [])
    return found


#: Where features add partials: the queue page's panels, the header's board-wide links.
Slot = Literal["queue", "nav"]


@cache
def panels(slot: Slot) -> tuple[str, ...]:
    """The partials every feature adds to ``slot``, in order."""
    if slot == "nav":
        return tuple(template for feature in FEATURES for template in feature.nav_links)
    return tuple(template for feature in FEATURES for template in feature.queue_panels)
