"""How the overview shows its queues: sorted by name or by a state's count, only those with jobs
in a state or whose names hold a text, a page of them per backend (``overview_paging``), grouped
by the first part of their names (``QUEUEBOARD["GROUP_DELIMITER"]``).

All of it works on the counts already read (``reading.overview_sections``): nothing more is
asked of the queue servers. Only a page's rows are grouped and rendered; the totals cover every
queue the filters keep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .backends.base import QueueBackend
from .backends.types import QueueSummary
from .errors import BadRequest
from .overview_paging import (
    OVERVIEW_PER_PAGE,
    PAGE_MAX,
    Page,
    Totals,
    clamped,
    matching,
    name_filter,
    positive_int,
    totals_of,
)
from .presence import Presence
from .reading import BackendSection
from .states import JobState
from .templatetags.queueboard_pages import PageLink, PageLinks, numbered, page_numbers

NAME = "name"
DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class OverviewOptions:
    """The overview's query: ``?sort=failed&dir=desc&state=failed&q=mail&page=2``."""

    sort: str = NAME
    descending: bool = False
    state: JobState | None = None
    #: Only queues whose names hold this text, either case ("" all).
    q: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> OverviewOptions:
        sort = params.get("sort") or NAME
        if sort != NAME and sort not in JobState._value2member_map_:
            message = _("Unknown sort {sort}: name or a state ({states}).")
            raise BadRequest(format_lazy(message, sort=repr(sort), states=states_list()))
        direction = params.get("dir") or ("asc" if sort == NAME else "desc")
        if direction not in DIRECTIONS:
            message = _("Unknown direction {direction}: asc or desc.")
            raise BadRequest(format_lazy(message, direction=repr(direction)))
        wanted = params.get("state") or None
        if wanted is not None and wanted not in JobState._value2member_map_:
            message = _("Unknown state {state}: one of {states}.")
            raise BadRequest(format_lazy(message, state=repr(wanted), states=states_list()))
        return cls(
            sort,
            direction == "desc",
            JobState(wanted) if wanted else None,
            name_filter(params),
            positive_int(params, "page", 1, PAGE_MAX),
        )

    @property
    def is_default(self) -> bool:
        """No sort, filter or page asked for (the page alone is not a choice to reset)."""
        return self.sort == NAME and not self.descending and not self.state and not self.q

    def query(self, **changes: object) -> str:
        """This query with ``changes`` (None drops a key), as ``?...``; the page is kept only
        when ``changes`` names it (another sort or filter starts on page 1)."""
        params: dict[str, object] = {
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "state": self.state.value if self.state else None,
            "q": self.q or None,
            "page": None,
        }
        params.update(changes)
        kept = {k: v for k, v in params.items() if v is not None}
        if kept.get("sort") == NAME and kept.get("dir") == "asc":
            del kept["sort"], kept["dir"]
        if kept.get("page") == 1:
            del kept["page"]
        return "?" + urlencode(kept) if kept else "?"

    @property
    def page_query(self) -> str:
        """This query with its page ("" when all is default): the page's live socket asks for
        the same rows."""
        query = self.query(page=self.page)
        return "" if query == "?" else query

    def sort_link(self, key: str) -> str:
        """The column heading's link: this column, the other way round when it is the current
        one (names first ascending, counts first descending)."""
        if key == self.sort:
            return self.query(dir="asc" if self.descending else "desc")
        return self.query(sort=key, dir="asc" if key == NAME else "desc")


def overview_states(sections: list[BackendSection]) -> list[JobState]:
    """The states of the sections' backends, in the states' order (the sort and filter's
    choices)."""
    present = {state for section in sections for state in section.backend.states}
    return [state for state in JobState if state in present]


def states_list() -> str:
    return ", ".join(state.value for state in JobState)


@dataclass
class QueueGroup:
    """Queues whose names share a first part (``label`` None: names without the delimiter)."""

    backend: QueueBackend
    label: str | None
    queues: list[QueueSummary] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(int(q.counts.get(JobState.FAILED, 0)) for q in self.queues)


@dataclass
class ArrangedSection:
    """A backend's part of the overview as shown: the page of its queues after the filters, in
    order and in groups; ``hidden``: queues the state filter left out; ``totals``: of every
    queue the filters keep, on all pages."""

    backend: QueueBackend
    queues: list[QueueSummary]
    problem: str | None
    groups: list[QueueGroup]
    hidden: int = 0
    #: Queues the name filter (``?q=``) left out, of those the state filter kept.
    unmatched: int = 0
    totals: Totals = field(default_factory=Totals)
    page: Page = field(default_factory=lambda: Page(1, OVERVIEW_PER_PAGE, 0))
    #: The pager's links; None on a single page.
    links: PageLinks | None = None
    #: The filter's state is not one this backend has.
    state_unknown: bool = False
    #: Queues shown that no worker serves (JSON for the page's script, which marks their rows
    #: and keeps them marked through live updates); None: the backend cannot tell.
    no_workers: list[str] | None = None
    #: Why the backend could not tell (e.g. CLIENT LIST refused).
    workers_note: str | None = None

    @property
    def no_workers_json(self) -> str:
        return json.dumps(self.no_workers or [])

    @property
    def partial(self) -> bool:
        """The rows are not all of the backend's queues (a filter, or more than one page): a
        queue appearing live is not inserted (``live.js``), a reload places it."""
        return bool(self.hidden or self.unmatched or self.page.pages > 1)

    @property
    def total_counts(self) -> list[tuple[JobState, int]]:
        """Each of the backend's states, in their order, with its total count."""
        return [(state, self.totals.counts.get(state, 0)) for state in self.backend.states]


def sort_key(options: OverviewOptions) -> object:
    if options.sort == NAME:
        return lambda q: q.name
    state = JobState(options.sort)
    return lambda q: int(q.counts.get(state, 0))


def arrange(
    sections: list[BackendSection],
    options: OverviewOptions,
    delimiter: str | None = None,
    presence: Presence | None = None,
    per_page: int = OVERVIEW_PER_PAGE,
) -> list[ArrangedSection]:
    """The sections as the overview shows them under ``options``: each a page of at most
    ``per_page`` rows (its last page when it has fewer than ``options.page``)."""
    arranged = []
    for section in sections:
        queues = section.queues
        unknown = options.state is not None and options.state not in section.backend.states
        if options.state is not None:
            queues = [q for q in queues if int(q.counts.get(options.state, 0)) > 0]
        hidden = len(section.queues) - len(queues)
        kept = matching(queues, options.q)
        kept.sort(key=lambda q: q.name)  # ties in a count keep the names' order
        if options.sort != NAME or options.descending:
            kept.sort(key=sort_key(options), reverse=options.descending)  # type: ignore[arg-type]
        page = clamped(options.page, per_page, len(kept))
        shown = page.of(kept)
        arranged.append(
            ArrangedSection(
                backend=section.backend,
                queues=shown,
                problem=section.problem,
                groups=group(section.backend, shown, delimiter),
                hidden=hidden,
                unmatched=len(queues) - len(kept),
                totals=totals_of(kept),
                page=page,
                links=page_links(options, page),
                state_unknown=unknown,
                no_workers=no_workers(section, shown, presence),
                workers_note=presence.notes.get(section.backend.alias) if presence else None,
            )
        )
    return arranged


def page_links(options: OverviewOptions, page: Page) -> PageLinks | None:
    """First, previous, numbers around the current page, next, last: the job lists' pager,
    each link keeping the sort and filters."""
    current, pages = page.number, page.pages
    if pages == 1:
        return None

    def link(number: int) -> PageLink:
        return PageLink(number, options.query(page=number), number == current)

    before, after = current > 1, current < pages
    return PageLinks(
        first=link(1) if before else None,
        previous=link(current - 1) if before else None,
        numbers=numbered(page_numbers(current, pages), current, link),
        next=link(current + 1) if after else None,
        last=link(pages) if after else None,
    )


def page_sections(arranged: list[ArrangedSection]) -> list[BackendSection]:
    """Each section with only its page's queues (what the page asks more about, such as
    workers or sparklines)."""
    return [BackendSection(a.backend, a.queues, a.problem) for a in arranged]


def note_presence(arranged: list[ArrangedSection], presence: Presence) -> None:
    """Mark the rows shown that no worker serves (``presence`` read for the page's queues)."""
    for section in arranged:
        without = presence.without.get(section.backend.alias)
        if without is not None:
            section.no_workers = [q.name for q in section.queues if q.name in without]
        section.workers_note = presence.notes.get(section.backend.alias)


def no_workers(
    section: BackendSection, shown: list[QueueSummary], presence: Presence | None
) -> list[str] | None:
    if presence is None or section.backend.alias not in presence.without:
        return None
    without = presence.without[section.backend.alias]
    return [q.name for q in shown if q.name in without]


def group(
    backend: QueueBackend, queues: list[QueueSummary], delimiter: str | None
) -> list[QueueGroup]:
    """Queues by the part of their names before ``delimiter``, groups in the order of their
    first queue; names without it (or a single queue of a part) stay in one group of no label."""
    if not delimiter:
        return [QueueGroup(backend, None, list(queues))]
    by_label: dict[str | None, QueueGroup] = {}
    for queue in queues:
        head, found, rest = queue.name.partition(delimiter)
        label = head if found and head and rest else None
        by_label.setdefault(label, QueueGroup(backend, label)).queues.append(queue)
    groups: list[QueueGroup] = []
    loose = QueueGroup(backend, None)
    for label, members in by_label.items():
        if label is None or len(members.queues) < 2:
            loose.queues.extend(members.queues)
        else:
            groups.append(members)
    if loose.queues:
        order = {id(q): n for n, q in enumerate(queues)}
        loose.queues.sort(key=lambda q: order[id(q)])
        groups.insert(0, loose)
    return groups
