"""Which of the overview's queues no worker serves: one read per backend that can tell
(``supports_worker_presence``), for all its queues at once, never a read per queue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .backends.errors import BackendError, WorkersUnavailable
from .reading import BackendSection


@dataclass
class Presence:
    #: alias -> its queues (among those asked) with no worker; backends that cannot tell are
    #: absent.
    without: dict[str, set[str]] = field(default_factory=dict)
    #: alias -> why it could not be told (the server refused CLIENT LIST, ...).
    notes: dict[str, str] = field(default_factory=dict)


async def worker_presence(sections: list[BackendSection]) -> Presence:
    """The presence of workers for the sections' queues (a refusal is a note, not an error)."""
    asked = [
        s for s in sections if s.backend.supports_worker_presence and s.queues and not s.problem
    ]

    async def read(section: BackendSection) -> set[str] | str | None:
        try:
            return await section.backend.queues_without_workers(q.name for q in section.queues)
        except WorkersUnavailable as exc:
            return str(exc)
        except BackendError:
            return None  # the counts were just read: a passing fault; no badge this time

    presence = Presence()
    for section, found in zip(asked, await asyncio.gather(*map(read, asked)), strict=True):
        if isinstance(found, set):
            presence.without[section.backend.alias] = found
        elif isinstance(found, str):
            presence.notes[section.backend.alias] = found
    return presence
