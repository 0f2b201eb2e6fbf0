"""The queue sidebar of every board page: each visible queue, grouped by backend, with its
failed count.

Read from the overview's counts (``reading.overview_sections``: one ``list_queues`` per backend,
shared through ``COUNTS_CACHE_SECONDS``), never queue by queue; at most ``LIMIT`` queues are
rendered, the rest counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import get_script_prefix, get_urlconf, reverse

from .backends.base import QueueBackend
from .reading import BackendSection, overview_sections
from .states import JobState

#: Queues rendered in the sidebar at most (its filter works on those).
LIMIT = 500
#: (urlconf, script prefix, alias, queue) -> the queue page's URL, emptied when full: the same
#: 500 entries are on every page, and reversing them each time costs more than the rest.
_URLS: dict[tuple[object, str, str, str], str] = {}
URLS_KEPT = 20_000


def queue_url(alias: str, name: str, mount: tuple[object, str] | None = None) -> str:
    """``reverse("queues:queue", args=[alias, name])``, kept; ``mount``: ``(get_urlconf(),
    get_script_prefix())``, which callers building many URLs read once."""
    urlconf, prefix = mount or (get_urlconf(), get_script_prefix())
    key = (urlconf, prefix, alias, name)
    found = _URLS.get(key)
    if found is None:
        if len(_URLS) >= URLS_KEPT:
            _URLS.clear()
        found = _URLS[key] = reverse("queues:queue", args=[alias, name])
    return found


@dataclass(frozen=True)
class SidebarEntry:
    name: str
    url: str
    #: None where the backend has no failed state.
    failed: int | None
    current: bool = False


@dataclass
class SidebarGroup:
    backend: QueueBackend
    entries: list[SidebarEntry] = field(default_factory=list)
    problem: str | None = None


@dataclass
class Sidebar:
    groups: list[SidebarGroup]
    #: Visible queues left out beyond ``LIMIT``.
    more: int = 0

    @property
    def shown(self) -> int:
        return sum(len(group.entries) for group in self.groups)

    def content(self) -> tuple[object, ...]:
        """All the markup shows of it (with the language and mount point): the key under
        which its rendering is kept (``templatetags/queueboard_sidebar.py``)."""
        return (
            self.more,
            *(
                (id(group.backend), group.backend.alias, group.problem, tuple(group.entries))
                for group in self.groups
            ),
        )


def build_sidebar(
    sections: list[BackendSection], current: tuple[str, str] | None = None, limit: int | None = None
) -> Sidebar:
    """The sidebar of ``sections`` (as the overview reads them); ``current``: (alias, queue)."""
    groups, room, more = [], LIMIT if limit is None else limit, 0
    mount = (get_urlconf(), get_script_prefix())
    for section in sections:
        backend = section.backend
        has_failed = JobState.FAILED in backend.states
        group = SidebarGroup(backend, problem=section.problem)
        queues = section.queues
        # Linear for the lists backends give, already by name; nothing sorted once full.
        shown = sorted(queues, key=lambda q: q.name)[:room] if room else []
        for queue in shown:
            group.entries.append(
                SidebarEntry(
                    name=queue.name,
                    url=queue_url(backend.alias, queue.name, mount),
                    failed=int(queue.counts.get(JobState.FAILED, 0)) if has_failed else None,
                    current=current == (backend.alias, queue.name),
                )
            )
        more += max(len(queues) - room, 0)
        room = max(room - len(queues), 0)
        groups.append(group)
    return Sidebar(groups, more)


async def sidebar_for(user: object, current: tuple[str, str] | None = None) -> Sidebar:
    """The sidebar for ``user``: the overview's read of every visible backend."""
    return build_sidebar(await overview_sections(user), current)
