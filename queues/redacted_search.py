"""Job lists as a user may see them: masked (``redaction``), and searches that never match
on a masked value for a user who cannot see it.

Backends search the stored values. For a user shown masked values, a search reads its
matches in one call (the first ``WINDOW`` of them, or as deep as the page asked for), keeps
those whose masked id, name, data or failure reason still hold the text, and pages through
those: a job found only by a secret is neither listed nor counted.
"""

from __future__ import annotations

import dataclasses

from .backends.base import QueueBackend
from .backends.types import JobPage, JobQuery
from .redaction import Redactor, redact_jobs

#: Matches of a search read at once for a user shown masked values.
WINDOW = 500


async def list_jobs(backend: QueueBackend, query: JobQuery, redactor: Redactor | None) -> JobPage:
    """``backend.list_jobs(query)`` masked for ``redactor`` (None: values as stored)."""
    if redactor is None or not query.text:
        page = await backend.list_jobs(query)
        return dataclasses.replace(page, jobs=redact_jobs(redactor, page.jobs))
    depth = max(WINDOW, query.page * query.per_page)
    found = await backend.list_jobs(dataclasses.replace(query, page=1, per_page=depth))
    kept = [job for job in found.jobs if redactor.holds(job, query.text)]
    shown = redact_jobs(redactor, kept[query.start : query.start + query.per_page])
    return dataclasses.replace(found, query=query, jobs=shown, total=len(kept))
