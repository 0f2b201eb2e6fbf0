"""The cron jobs of the RQ schedules test, run by a real ``rq cron tests.rq_cron_config``."""

from rq import cron

from tests import rq_jobs

cron.register(rq_jobs.add, queue_name="cron-q", args=(1, 2), interval=3600, name="hourly-add")
cron.register(
    rq_jobs.echo, queue_name="cron-q", kwargs={"note": "<b>x</b>"}, cron="0 9 * * *",
    name="daily-echo",
)  # fmt: skip
cron.register(rq_jobs.add, queue_name="other-q", args=(0, 0), interval=60, name="elsewhere")
