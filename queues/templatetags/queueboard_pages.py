"""Numbered pagination of a job list: first, previous, a window of page numbers, next, last."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from django import template

register = template.Library()

#: Pages shown each side of the current one.
WINDOW = 2


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str
    current: bool = False
    #: Two from the current page next to a gap: left out on a phone (the gap then widens).
    far: bool = False


@dataclass(frozen=True)
class PageLinks:
    first: PageLink | None
    previous: PageLink | None
    #: Page numbers in order; None is a gap ("…") between them.
    numbers: list[PageLink | None]
    next: PageLink | None
    last: PageLink | None


def page_numbers(current: int, pages: int, window: int = WINDOW) -> list[int | None]:
    """1, the window around ``current``, and ``pages``, with None where numbers are left out
    (a gap of one page is shown as that page instead)."""
    wanted = {1, pages, *range(current - window, current + window + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for n in numbers:
        if out and n - (out[-1] or 0) == 2:
            out.append(n - 1)
        elif out and n - (out[-1] or 0) > 2:
            out.append(None)
        out.append(n)
    return out


def _href(state: str, number: int, per_page: int, text: str | None) -> str:
    href = f"?state={quote(state)}&page={number}&per_page={per_page}"
    return href + (f"&q={quote(text, safe='')}" if text is not None else "")


def numbered(
    numbers: list[int | None], current: int, link: Callable[[int], PageLink]
) -> list[PageLink | None]:
    out: list[PageLink | None] = []
    for index, n in enumerate(numbers):
        if n is None:
            out.append(None)
            continue
        outer = index - 1 if n < current else index + 1
        beside_gap = 0 <= outer < len(numbers) and numbers[outer] is None
        made = link(n)
        out.append(replace(made, far=True) if abs(n - current) == 2 and beside_gap else made)
    return out


@register.simple_tag
def page_links(page: Any, state: Any) -> PageLinks:
    """The links of ``page`` (a ``JobPage``) in the list of ``state``; a search keeps its text."""
    current, pages, per_page = page.query.page, page.pages, page.query.per_page
    text = page.query.text if page.searched else None

    def link(number: int) -> PageLink:
        return PageLink(number, _href(state.value, number, per_page, text), number == current)

    before, after = current > 1, current < pages
    return PageLinks(
        first=link(1) if before else None,
        previous=link(min(current - 1, pages)) if before else None,
        numbers=numbered(page_numbers(min(current, pages), pages), min(current, pages), link),
        next=link(current + 1) if after else None,
        last=link(pages) if after else None,
    )
