"""Dead-letter queues, whatever the backend: which queues are, and what their jobs say.

The pattern BullMQ's guides teach (``/work``'s reference, "Dead Letter Queue"): on a job's final
failure its worker adds a job to a ``dead-letter`` queue whose data carries ``originalQueue``,
``originalJobId``, ``data``, ``error`` and ``failedAt``. A queue is a dead-letter queue when the
backend's OPTIONS name it (``"dead_letter_queues": ["dead-letter"]``, checked by a system check)
or when every job of a page read of it has that shape.

A replay adds a new job to ``originalQueue`` with the original name (the data's ``name`` or
``originalName`` when present, else the dead-letter job's own name) and data, under an id derived
from the dead-letter job's (``replay_job_id``): replaying the same dead-letter job twice adds one
job. The dead-letter job is removed only after that job is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .backends.base import QueueBackend

#: The backend option naming its dead-letter queues.
DEAD_LETTER_OPTION = "dead_letter_queues"
#: The keys a dead-letter job's data must hold to be recognised as one.
SHAPE_KEYS = ("originalQueue", "originalJobId")
#: Longest id or queue name taken from a dead-letter job's data (it is untrusted).
MAX_REF = 512


@dataclass(frozen=True)
class DeadLetter:
    """What a dead-letter job says of the job that failed."""

    original_queue: str
    original_job_id: str
    #: The name the replayed job gets.
    name: str
    data: Any
    error: str | None
    failed_at: str | None


def _text(value: Any, limit: int = MAX_REF) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value)
        return text if 0 < len(text) <= limit else None
    return None


def dead_letter_of(job_data: Any, job_name: str) -> DeadLetter | None:
    """The dead letter a job's data carries, or None when it is not of that shape."""
    if not isinstance(job_data, Mapping):
        return None
    queue = _text(job_data.get("originalQueue"))
    job_id = _text(job_data.get("originalJobId"))
    if queue is None or job_id is None:
        return None
    name = _text(job_data.get("name")) or _text(job_data.get("originalName")) or job_name
    error = job_data.get("error")
    if isinstance(error, Mapping):  # {"message": ...} as some workers write it
        error = error.get("message")
    return DeadLetter(
        original_queue=queue,
        original_job_id=job_id,
        name=name,
        data=job_data.get("data"),
        error=_text(error, 10_000),
        failed_at=_text(job_data.get("failedAt"), 100),
    )


def configured(backend: QueueBackend) -> frozenset[str]:
    """The queues the backend's OPTIONS mark as dead-letter queues."""
    names = backend.options.get(DEAD_LETTER_OPTION) or ()
    if isinstance(names, str) or not isinstance(names, Iterable):
        return frozenset()
    return frozenset(str(name) for name in names)


def is_dead_letter_queue(backend: QueueBackend, queue: str, sample: Iterable[Any] = ()) -> bool:
    """Marked in OPTIONS, or every job data of ``sample`` (a page's) has the shape."""
    if queue in configured(backend):
        return True
    data = list(sample)
    return bool(data) and all(dead_letter_of(item, "") is not None for item in data)


def replay_job_id(dead_letter_queue: str, dead_letter_job_id: str) -> str:
    """The id of the job a dead-letter job is replayed as: the same for every replay of it.

    BullMQ refuses ``:`` in custom ids and ids that are integers, hence the prefix.
    """
    return f"replay-{dead_letter_queue}-{dead_letter_job_id}".replace(":", "_")


def check_options(backend: QueueBackend) -> list[str]:
    """Problems of the dead-letter option (system check ``queueboard.E060``)."""
    names = backend.options.get(DEAD_LETTER_OPTION)
    if names is None:
        return []
    if not backend.supports_replay_dead_letters:
        return [f"{backend.label} cannot replay dead letters; remove {DEAD_LETTER_OPTION!r}."]
    if isinstance(names, str) or not isinstance(names, list | tuple):
        return [f"{DEAD_LETTER_OPTION!r} is a list of queue names, not {names!r}."]
    bad = [name for name in names if not isinstance(name, str) or not name]
    if bad:
        return [f"{DEAD_LETTER_OPTION!r} holds names that are not queue names: {bad!r}."]
    return []
