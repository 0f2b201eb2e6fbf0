"""``manage.py queueboard_reader``: the live reader without viewers, so the metrics history
counts finished jobs around the clock (the board's processes read only while someone has a
page open).

It competes for the reader's leadership like any board process (``queues.live.leader``), so
at most one reader runs in the deployment and the board's processes send their viewers what
it reads. That needs a channel layer the processes share (``channels_redis``); with the
in-memory layer the command refuses to start (a second reader would count every job twice).
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...live import leader
from ...live.layers import live_layer


class Command(BaseCommand):
    help = "Run the live reader (and the metrics history) without viewers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds", type=float, default=None, help="stop after this long (default: never)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        asyncio.run(self._run(options["seconds"]))

    async def _run(self, seconds: float | None) -> None:
        if not getattr(live_layer(), "hosts", None):
            raise CommandError(
                "queueboard_reader needs a channel layer shared by the board's processes "
                "(channels_redis); with the in-memory layer each board process reads itself."
            )
        service = leader.service()
        service.joined()  # a viewer that never leaves: the service never goes idle
        try:
            if seconds is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(seconds)
        finally:
            service.left()
            await service.stop()
