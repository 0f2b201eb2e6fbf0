"""Where RQ keeps things in Redis (rq 2.x, ``rq/queue.py``, ``rq/registry.py``, ``rq/job.py``).

- ``rq:queues``: a set of queue keys (``rq:queue:<name>``);
- ``rq:queue:<name>``: the queued job ids, a list whose head runs next;
- a sorted set per registry and queue: ``rq:wip:<name>`` (started; members are
  ``<job id>:<execution id>``), ``rq:deferred:``, ``rq:scheduled:`` (score: the run time),
  ``rq:finished:``, ``rq:failed:``, ``rq:canceled:``; every other score is an expiry time;
- ``rq:job:<id>``: the job's hash, ``rq:job:<id>:dependents`` the ids waiting on it,
  ``rq:results:<id>``: a stream of its results (newest last, ten at most);
- ``rq:workers`` / ``rq:workers:<name>``: sets of worker keys ``rq:worker:<worker name>``.
"""

from __future__ import annotations

from ...states import JobState

QUEUES_KEY = "rq:queues"
QUEUE_PREFIX = "rq:queue:"
JOB_PREFIX = "rq:job:"
WORKERS_KEY = "rq:workers"
WORKER_PREFIX = "rq:worker:"
SUSPENDED_KEY = "rq:suspended"

#: Per state, the registry's key prefix; ``None`` for the queue's own list.
STATE_KEYS: dict[JobState, str | None] = {
    JobState.ACTIVE: "rq:wip:",
    JobState.WAITING: None,
    JobState.DEFERRED: "rq:deferred:",
    JobState.DELAYED: "rq:scheduled:",
    JobState.COMPLETED: "rq:finished:",
    JobState.FAILED: "rq:failed:",
    JobState.CANCELED: "rq:canceled:",
}

#: RQ's job ``status`` values and the board's state for each.
STATUS_STATES: dict[str, JobState] = {
    "created": JobState.WAITING,
    "queued": JobState.WAITING,
    "started": JobState.ACTIVE,
    "deferred": JobState.DEFERRED,
    "scheduled": JobState.DELAYED,
    "finished": JobState.COMPLETED,
    "failed": JobState.FAILED,
    "stopped": JobState.STOPPED,
    "canceled": JobState.CANCELED,
}

#: The registry a state's jobs are kept in when it has none of its own (stopped jobs are kept
#: with the failed ones).
KEPT_WITH: dict[JobState, JobState] = {JobState.STOPPED: JobState.FAILED}


def queue_key(name: str) -> str:
    return QUEUE_PREFIX + name


def state_key(state: JobState, queue: str) -> str:
    """The list or sorted set holding ``queue``'s jobs in ``state``."""
    prefix = STATE_KEYS[KEPT_WITH.get(state, state)]
    return queue_key(queue) if prefix is None else prefix + queue


def job_key(job_id: str) -> str:
    return JOB_PREFIX + job_id


def dependents_key(job_id: str) -> str:
    return JOB_PREFIX + job_id + ":dependents"


def results_key(job_id: str) -> str:
    return "rq:results:" + job_id


def workers_key(queue: str) -> str:
    return WORKERS_KEY + ":" + queue


def queue_name(key: str) -> str | None:
    """The queue named by a member of ``rq:queues``, or None for anything else."""
    return key[len(QUEUE_PREFIX) :] if key.startswith(QUEUE_PREFIX) else None


def started_job_id(member: str) -> str:
    """The job id of a started registry member (``<job id>:<execution id>``; RQ 1.x stored
    the bare id)."""
    job_id, colon, _execution = member.rpartition(":")
    return job_id if colon else member
