"""``manage.py demo_bullmq_worker``: slow BullMQ workers on the demo queues, plus a trickle."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Process the BullMQ demo queues slowly (progress, logs, some failures) and add a few "
        "new jobs a minute, until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
        parser.add_argument("--prefix", default=os.environ.get("BULLMQ_PREFIX", "bull"))
        parser.add_argument("--no-trickle", action="store_true", help="Only process, add nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["redis_url"]:
            raise CommandError("Give --redis-url or set REDIS_URL.")
        asyncio.run(self._run(options["redis_url"], options["prefix"], not options["no_trickle"]))

    async def _run(self, url: str, prefix: str, produce: bool) -> None:
        from board.demo import bullmq_worker

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(f"BullMQ demo worker on {', '.join(bullmq_worker.CONCURRENCY)}.")
        await bullmq_worker.run(url, prefix, stop, produce=produce)
        self.stdout.write("BullMQ demo worker stopped.")
