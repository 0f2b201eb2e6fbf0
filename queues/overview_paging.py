"""Pages of queues for the overview and ``api/queues``: the name filter (``?q=``), the page
asked for (``?page=``, ``?per_page=``), and the totals over every queue the filter keeps.

All of it works on the counts already read (one counts script per backend,
``reading.list_queues``): a page bounds what is rendered or serialized, never what is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TypeVar
from urllib.parse import urlencode

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .backends.types import QueueSummary
from .errors import BadRequest
from .states import JobState

#: Queue rows of one backend section on an overview page.
OVERVIEW_PER_PAGE = 100
#: ``api/queues``: queues per page by default (every queue of most boards) and at most.
API_PER_PAGE = 1000
API_PER_PAGE_MAX = 1000
#: Longest name filter accepted (a queue name longer than this is rare; the filter is a
#: substring, so a shorter part finds it).
FILTER_MAX_CHARS = 200
#: Highest page number accepted (10,000,000 queues at one per page).
PAGE_MAX = 10_000_000

T = TypeVar("T")


def positive_int(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """``params[name]`` as a whole number from 1 to ``maximum``; ``default`` when missing.

    The messages are the job lists' (``views.params``), so no new text to translate."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        message = _("{name} must be a whole number, not {value}.")
        raise BadRequest(format_lazy(message, name=name, value=repr(raw[:40]))) from None
    if value < 1:
        raise BadRequest(format_lazy(_("{name} must be 1 or more."), name=name))
    if value > maximum:
        message = _("{name} must be at most {n}.")
        raise BadRequest(format_lazy(message, name=name, n=maximum))
    return value


def name_filter(params: Mapping[str, str]) -> str:
    """``?q=``: the part of a queue name to look for ("" keeps every queue)."""
    text = (params.get("q") or "").strip()
    if len(text) > FILTER_MAX_CHARS:
        message = _("The search text has at most {n} characters.")
        raise BadRequest(format_lazy(message, n=FILTER_MAX_CHARS))
    if "\x00" in text:
        raise BadRequest(_("The search text cannot hold a NUL character."))
    return text


def matching(queues: Iterable[QueueSummary], text: str) -> list[QueueSummary]:
    """The queues whose names hold ``text``, either case ("" keeps all)."""
    if not text:
        return list(queues)
    wanted = text.casefold()
    return [q for q in queues if wanted in q.name.casefold()]


@dataclass
class Totals:
    """The number of queues and the sum of each state's count over them."""

    queues: int = 0
    counts: dict[JobState, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "queues": self.queues,
            "counts": {state.value: n for state, n in self.counts.items()},
        }


def totals_of(queues: Sequence[QueueSummary]) -> Totals:
    """The totals of ``queues``; each state summed in one pass of C calls (10,000 queues of 8
    states are 80,000 additions: a loop in Python would cost tens of milliseconds)."""
    counts = [q.counts for q in queues]
    states = set().union(*counts)
    summed = {s: sum(map(dict.get, counts, repeat(s), repeat(0))) for s in states}
    ordered = {state: summed[state] for state in JobState if state in summed}
    return Totals(len(counts), ordered)


@dataclass(frozen=True)
class Page:
    """Which part of ``total`` items a page holds: ``number`` of ``pages`` (1 when empty)."""

    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page

    def of(self, items: Sequence[T]) -> list[T]:
        return list(items[self.start : self.start + self.per_page])


def clamped(number: int, per_page: int, total: int) -> Page:
    """Page ``number``, or the last page when there are fewer (a section of the overview
    shorter than the others shows its last page)."""
    last = Page(1, per_page, total).pages
    return Page(min(number, last), per_page, total)


@dataclass(frozen=True)
class ApiPaging:
    """``api/queues?q=mail&page=2&per_page=500``: queues of every backend in one list, in the
    backends' order and each backend's (by name), a page of it per request."""

    q: str = ""
    page: int = 1
    per_page: int = API_PER_PAGE

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ApiPaging:
        return cls(
            name_filter(params),
            positive_int(params, "page", 1, PAGE_MAX),
            positive_int(params, "per_page", API_PER_PAGE, API_PER_PAGE_MAX),
        )

    def query(self, page: int) -> str:
        """The query of page ``page`` with the same filter and size."""
        params: dict[str, object] = {"page": page, "per_page": self.per_page}
        if self.q:
            params["q"] = self.q
        return urlencode(params)


def sum_counts(totals: Iterable[Totals]) -> dict[str, int]:
    """Each state's count summed over ``totals`` (of several backends), by state value."""
    summed: dict[str, int] = {}
    for each in totals:
        for state, n in each.counts.items():
            summed[state.value] = summed.get(state.value, 0) + n
    return summed
