from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0010_board_rq_action_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="board",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("retry_jobs", "Can retry jobs"),
                    ("rerun_completed_jobs", "Can re-run completed jobs"),
                    ("promote_jobs", "Can promote delayed jobs"),
                    ("remove_jobs", "Can remove jobs"),
                    ("clean_queues", "Can clean old jobs from queues"),
                    ("pause_queues", "Can pause and resume queues"),
                    ("empty_queues", "Can empty queues"),
                    ("run_schedules", "Can run schedules now"),
                    ("change_schedules", "Can change schedules"),
                    ("remove_schedules", "Can remove schedules"),
                    ("add_jobs", "Can add and duplicate jobs"),
                    ("edit_jobs", "Can edit jobs that have not started"),
                    ("obliterate_queues", "Can obliterate queues"),
                    ("change_concurrency", "Can change the global concurrency of queues"),
                    ("cancel_jobs", "Can cancel jobs that have not started"),
                    ("stop_jobs", "Can stop running jobs"),
                    ("suspend_workers", "Can suspend and resume all workers of a backend"),
                    ("view_unredacted", "Can see masked job values (passwords, tokens) unmasked"),
                ],
            },
        ),
    ]
