"""A finished board-wide run with a part per queue (long names, every outcome), for the
layout checks of the board run page."""

from __future__ import annotations

from typing import Any

from tests.browser import showcase


def seed_board_run(user: Any) -> str:
    from queues.models import BulkRun

    def row(queue: str, status: str, done: int, message: str = "") -> dict[str, Any]:
        return {"backend": "bullmq", "queue": queue, "status": status, "done": done,
                "skipped": 0, "failed": 0, "message": message, "jobs": done}  # fmt: skip

    summary = [
        row(showcase.QUEUE, "done", 12),
        row(showcase.LONG_QUEUE, "refused", 0, f"Queue {showcase.LONG_QUEUE!r} is read-only."),
    ]
    run = BulkRun.objects.create(
        action="board-retry-failed", backend="*", queue="*", status="finished", expected=12,
        done=12, batches=2, user=user, username=user.username, summary=summary,
        message="Queues: 1 done, 1 refused.",
    )  # fmt: skip
    return str(run.pk)
