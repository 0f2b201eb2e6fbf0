"""Channel group names and DOM ids of live regions: short ASCII hashes of alias/queue/job.

Queue names and job ids may hold any character (``/``, ``:``, spaces, non-ASCII), which neither
channel group names (``[a-zA-Z0-9._-]``, under 100 characters) nor CSS selectors like. Hashing
also keeps a hidden queue's name out of everything sent to a browser.
"""

from __future__ import annotations

import hashlib

#: Group of the active reader: consumers announce what they watch there.
READER_GROUP = "queueboard.reader"
#: Group of every consumer: a reader that takes over asks them to announce again.
VIEWERS_GROUP = "queueboard.viewers"
#: Group of overview consumers: told of queues that appear after they connected.
OVERVIEW_GROUP = "queueboard.overview"


def digest(*parts: str) -> str:
    """20 hex characters of SHA-1 over the parts, NUL-separated (NUL cannot be in a name)."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]  # noqa: S324


def queue_group(alias: str, queue: str) -> str:
    return f"qb.q.{digest(alias, queue)}"


def job_group(alias: str, queue: str, job_id: str) -> str:
    return f"qb.j.{digest(alias, queue, job_id)}"


def user_group(user_pk: object) -> str:
    """The group of a user's sockets: told when one of the user's sessions logs out."""
    return f"qb.u.{digest(str(user_pk))}"


def queue_row_id(alias: str, queue: str) -> str:
    """The id of a queue's row on the overview."""
    return f"qb-q-{digest(alias, queue)}"


def sidebar_count_id(alias: str, queue: str) -> str:
    """The id of a queue's failed count in the sidebar."""
    return f"qb-sc-{digest(alias, queue)}"


def progress_cell_id(alias: str, queue: str, job_id: str) -> str:
    """The id of a job's progress cell in a job list."""
    return f"qb-p-{digest(alias, queue, job_id)}"


def flow_node_key(alias: str, queue: str, job_id: str) -> str:
    """A job's mark in a flow tree: live updates name moved jobs by it, not by their ids."""
    return digest(alias, queue, job_id)


def tab_count_id(state: str) -> str:
    """The id of a state tab's count on a queue page (one queue per page)."""
    return f"qb-tab-count-{state}"
