"""``manage.py demo_tasks_trickle``: enqueue a demo Django Task every few seconds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from .demo_seed import check_task_queues


class Command(BaseCommand):
    help = "Enqueue a demo Django Task every 10-25 seconds (for the live demo), until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=None, help="Stop after this many.")

    def handle(self, *args: Any, **options: Any) -> None:
        check_task_queues()
        from board.demo import tasks_trickle

        try:
            tasks_trickle.run(count=options["count"])
        except KeyboardInterrupt:
            pass
