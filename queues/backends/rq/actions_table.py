"""Which RQ actions apply in which state (``applicability``): RQ's own rules.

* retry: failed jobs, and stopped ones (kept with them in the failed registry);
* promote ("enqueue now"): scheduled jobs, and deferred ones (their dependencies no longer
  hold them back);
* cancel: jobs that have not started (waiting, scheduled, deferred);
* stop: running jobs; remove: any job but a running one (stop it first).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...states import JobState
from ..applicability import DEFAULT_TABLE, ActionTable, all_but, only

RUNNING_NOT_REMOVED = _("This job is running; stop it first, then remove it.")

RQ_TABLE: ActionTable = DEFAULT_TABLE.with_jobs(
    retry=only(JobState.FAILED, JobState.STOPPED),
    promote=only(JobState.DELAYED, JobState.DEFERRED),
    remove=all_but(JobState.ACTIVE, reasons={JobState.ACTIVE: RUNNING_NOT_REMOVED}),
    cancel=only(JobState.WAITING, JobState.DELAYED, JobState.DEFERRED),
    stop=only(JobState.ACTIVE),
).with_queues(
    retry_all=(JobState.FAILED,),
    promote_all=(JobState.DELAYED,),
    clean=(JobState.COMPLETED, JobState.FAILED, JobState.CANCELED),
    empty=(JobState.WAITING,),
)
