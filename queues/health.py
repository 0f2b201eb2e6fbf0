"""The health check of a queue against the production checklist, the same for every backend.

A backend measures a bounded sample (``health_sample``, ``backends/health_types.py``); this
module turns it into findings, each saying what was seen, why it matters and how to fix it,
with a severity. Results are kept per process for ``HEALTH_CACHE_SECONDS``: the queue page's
panel reads the backend at most once per period, and the overview's badge shows only what is
already kept (it never reads the server: a queue nobody opened has no badge yet).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .backends.base import QueueBackend
from .backends.health_types import HealthSample
from .conf import setting

#: Eviction policies that never drop a key (BullMQ needs every one of its keys).
SAFE_POLICIES = frozenset({"noeviction"})


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def label(self) -> str:
        return {
            Severity.CRITICAL: _("Critical"),
            Severity.WARNING: _("Warning"),
            Severity.NOTICE: _("Notice"),
        }[self]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    seen: str
    why: str
    fix: str


@dataclass(frozen=True)
class HealthReport:
    findings: list[Finding]
    sample: HealthSample
    checked_at: float  # time.time()


#: (backend alias, queue) -> (monotonic time, report); shared by the process's requests.
_kept: dict[tuple[str, str], tuple[float, HealthReport]] = {}
#: Queues kept at most (the oldest are dropped beyond).
MAX_KEPT = 10_000


def _size(number: int) -> str:
    return str(filesizeformat(number))


def evaluate(sample: HealthSample) -> list[Finding]:
    """The findings of one sample, most severe first."""
    found: list[Finding] = []
    n = sample.sampled
    if sample.eviction_policy and sample.eviction_policy not in SAFE_POLICIES:
        found.append(
            Finding(
                "eviction",
                Severity.CRITICAL,
                _("Redis evicts keys when full (maxmemory-policy is %(policy)s).")
                % {"policy": sample.eviction_policy},
                _(
                    "Under memory pressure Redis deletes keys, and BullMQ then loses jobs or "
                    "their state without an error."
                ),
                _("Set maxmemory-policy noeviction on this Redis (CONFIG SET or redis.conf)."),
            )
        )
    if sample.stalled:
        found.append(
            Finding(
                "stalled",
                Severity.CRITICAL,
                ngettext(
                    "%(count)d active job has lost its lock (stalled).",
                    "%(count)d active jobs have lost their lock (stalled).",
                    sample.stalled,
                )
                % {"count": sample.stalled},
                _(
                    "A worker took these jobs and stopped renewing them: it crashed, was killed "
                    "or blocked its event loop. They run again, or fail after maxStalledCount."
                ),
                _(
                    "Keep the processor from blocking (or raise the worker's lockDuration), "
                    "and close workers gracefully on shutdown."
                ),
            )
        )
    if sample.no_workers and sample.waiting:
        found.append(
            Finding(
                "no-workers",
                Severity.CRITICAL,
                ngettext(
                    "%(count)d job is waiting and no worker is connected.",
                    "%(count)d jobs are waiting and no worker is connected.",
                    sample.waiting,
                )
                % {"count": sample.waiting},
                _("Nothing will process these jobs until a worker starts."),
                _("Start a worker for this queue, or check why it cannot reach Redis."),
            )
        )
    waited = sample.oldest_waiting_seconds
    if waited is not None and waited > float(setting("HEALTH_WAITING_SECONDS")):
        found.append(
            Finding(
                "old-waiting",
                Severity.WARNING,
                _("The oldest waiting job has waited %(minutes)d minutes.")
                % {"minutes": int(waited // 60)},
                _("Workers do not keep up with the jobs added, or are not running."),
                _("Add workers or raise their concurrency; check the queue is not paused."),
            )
        )
    held = sample.limiter_ttl_ms
    if held is not None and held > float(setting("HEALTH_LIMITER_SECONDS")) * 1000:
        found.append(
            Finding(
                "rate-limited",
                Severity.WARNING,
                _("The rate limiter holds the queue back for %(seconds)d more seconds.")
                % {"seconds": int(held // 1000)},
                _("No job of this queue starts until the limit expires."),
                _(
                    "Check the worker's limiter (max, duration) and calls of "
                    "worker.rateLimit(); a long manual limit stops the whole queue."
                ),
            )
        )
    if n and sample.without_retries:
        found.append(
            Finding(
                "no-retries",
                Severity.WARNING,
                _("%(count)d of %(sampled)d recent jobs were added without retries (attempts ≤ 1).")
                % {"count": sample.without_retries, "sampled": n},
                _("A passing error (a timeout, a restart) fails these jobs for good."),
                _("Add jobs with attempts (e.g. attempts: 3) and a backoff."),
            )
        )
    if n and sample.retries_without_backoff:
        found.append(
            Finding(
                "no-backoff",
                Severity.NOTICE,
                _("%(count)d of %(sampled)d recent jobs retry without a backoff.")
                % {"count": sample.retries_without_backoff, "sampled": n},
                _("Retries come at once, often while the cause of the failure still holds."),
                _('Add a backoff, e.g. backoff: {type: "exponential", delay: 1000}.'),
            )
        )
    if n and sample.without_remove_on_fail:
        found.append(
            Finding(
                "failed-kept",
                Severity.NOTICE,
                _(
                    "%(count)d of %(sampled)d recent jobs keep their failure forever (no "
                    "removeOnFail); %(failed)d failed jobs are kept."
                )
                % {
                    "count": sample.without_remove_on_fail,
                    "sampled": n,
                    "failed": sample.failed or 0,
                },
                _(
                    "Failed jobs are the queue's dead letters: kept without a bound, they grow "
                    "until Redis is full, and nobody handles them."
                ),
                _(
                    "Set removeOnFail (e.g. {age: 604800}) and look at failures here, or move "
                    "them to a dead-letter queue."
                ),
            )
        )
    if n and sample.without_remove_on_complete:
        memory = sample.completed_memory_bytes
        seen = _(
            "%(count)d of %(sampled)d recent jobs are kept after completing (no "
            "removeOnComplete); %(completed)d completed jobs are kept."
        ) % {
            "count": sample.without_remove_on_complete,
            "sampled": n,
            "completed": sample.completed or 0,
        }
        if memory:
            seen += " " + _("They use about %(size)s.") % {"size": _size(memory)}
        found.append(
            Finding(
                "completed-kept",
                Severity.NOTICE,
                seen,
                _("The completed set grows with every job until Redis runs out of memory."),
                _("Set removeOnComplete (e.g. {count: 1000} or {age: 86400})."),
            )
        )
    if sample.payloads_over:
        found.append(
            Finding(
                "large-payloads",
                Severity.WARNING,
                _(
                    "%(count)d recent jobs carry more than %(limit)s of data; the largest, "
                    "job %(job)s, %(size)s."
                )
                % {
                    "count": sample.payloads_over,
                    "limit": _size(int(setting("HEALTH_PAYLOAD_BYTES"))),
                    "job": sample.largest_payload_job or "?",
                    "size": _size(sample.largest_payload_bytes or 0),
                },
                _("Large payloads fill Redis memory and slow every read and write of the job."),
                _("Store the data elsewhere (a database, object storage) and pass a reference."),
            )
        )
    order = list(Severity)
    return sorted(found, key=lambda f: order.index(f.severity))


async def check_queue(backend: QueueBackend, queue: str) -> HealthReport | None:
    """The queue's report, read again once ``HEALTH_CACHE_SECONDS`` have passed; None where
    the backend has no health check."""
    if not backend.supports_health:
        return None
    key = (backend.alias, queue)
    ttl = float(setting("HEALTH_CACHE_SECONDS"))
    kept = _kept.get(key)
    if kept is not None and time.monotonic() - kept[0] < ttl:
        return kept[1]
    sample = await backend.health_sample(
        queue,
        sample=int(setting("HEALTH_SAMPLE")),
        payload_bytes=int(setting("HEALTH_PAYLOAD_BYTES")),
    )
    report = HealthReport(evaluate(sample), sample, time.time())
    if ttl > 0:
        if len(_kept) >= MAX_KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[key] = (time.monotonic(), report)
    return report


def kept_report(alias: str, queue: str) -> HealthReport | None:
    """The report of a queue already checked within the period (no I/O); None when unknown."""
    kept = _kept.get((alias, queue))
    if kept is None or time.monotonic() - kept[0] >= float(setting("HEALTH_CACHE_SECONDS")):
        return None
    return kept[1]


def badge_key(alias: str, queue: str) -> tuple[int, bool] | None:
    """What the overview's badge of a queue shows (findings, any critical), from kept results
    only; part of the key its rendered row is kept by (``queues.fragments``)."""
    report = kept_report(alias, queue)
    if report is None:
        return None
    return len(report.findings), any(f.severity == Severity.CRITICAL for f in report.findings)


def forget_all() -> None:
    _kept.clear()
