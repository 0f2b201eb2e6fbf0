"""``manage.py demo_seed``: fill the demo queues with jobs in every state."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from board.demo import TASK_QUEUES


def check_task_queues() -> None:
    """Fail early, with a hint, when TASKS does not accept the demo's queue names."""
    from django_tasks_db.compat import task_backends

    allowed = task_backends["default"].queues
    missing = [name for name in TASK_QUEUES if allowed and name not in allowed]
    if missing:
        raise CommandError(
            f"TASKS['default'] does not accept the queues {missing}: "
            f"set TASKS_QUEUES={','.join(TASK_QUEUES)} (or leave it unset for any queue)."
        )


def describe(counts: Mapping[str, Mapping[str, Any]]) -> str:
    return "\n".join(
        f"  {queue}: "
        + ", ".join(f"{n} {state.lower()}" for state, n in sorted(states.items()) if n)
        for queue, states in sorted(counts.items())
    )


class Command(BaseCommand):
    help = (
        "Replace the demo queues' jobs with a fresh set in every state: Django Tasks "
        "(board.demo.tasks) and, given a Redis, BullMQ queues emails/images/reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-tasks", action="store_true", help="Skip the Django Tasks queues.")
        parser.add_argument("--no-bullmq", action="store_true", help="Skip the BullMQ queues.")
        parser.add_argument("--no-rq", action="store_true", help="Skip the RQ queue.")
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("REDIS_URL", ""),
            help="BullMQ's Redis (default: $REDIS_URL; BullMQ is skipped when empty).",
        )
        parser.add_argument(
            "--prefix",
            default=os.environ.get("BULLMQ_PREFIX", "bull"),
            help="BullMQ key prefix (default: $BULLMQ_PREFIX or bull).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_tasks"]:
            check_task_queues()
            from board.demo import seed_tasks

            counts = seed_tasks.seed()
            self.stdout.write(f"Django Tasks demo queues:\n{describe(counts)}")
        if options["redis_url"] and not options["no_rq"]:
            from board.demo import seed_rq

            rq_counts = seed_rq.seed(options["redis_url"])
            self.stdout.write(f"RQ demo queue:\n{describe(rq_counts)}")
        if options["no_bullmq"]:
            return
        if not options["redis_url"]:
            self.stdout.write("No Redis URL given: BullMQ demo queues not seeded.")
            return
        from board.demo import seed_bullmq

        bull_counts = asyncio.run(seed_bullmq.seed(options["redis_url"], options["prefix"]))
        self.stdout.write(f"BullMQ demo queues ({options['prefix']}):\n{describe(bull_counts)}")
