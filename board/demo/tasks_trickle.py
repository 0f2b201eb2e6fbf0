"""Enqueue a plausible Django Task now and then, so the live demo keeps moving."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

PEOPLE = ("ada.lovelace", "grace.hopper", "alan.turing", "margaret", "linus", "barbara")


def enqueue_random(rng: random.Random) -> Any:
    """Enqueue one task (some delayed or urgent; about one in six is bound to fail)."""
    from . import tasks

    seconds = round(rng.uniform(2, 8), 1)
    choices: list[Callable[[], tuple[Any, tuple[Any, ...]]]] = [
        lambda: (
            tasks.send_email,
            (
                f"{rng.choice(PEOPLE)}@{'mail.invalid' if rng.random() < 0.15 else 'example.com'}",
                rng.choice(("welcome", "receipt", "digest")),
            ),
        ),
        lambda: (
            tasks.make_thumbnail,
            (f"uploads/photo-{rng.randint(1, 999)}.jpg", rng.choice((0, 640, 1920, 4032)), 480),
        ),
        lambda: (
            tasks.build_monthly_report,
            (f"2025-{rng.randint(1, 13):02d}", rng.choice(("eu", "us", "apac"))),
        ),
    ]
    task, args = rng.choice(choices)()
    roll = rng.random()
    if roll < 0.15:
        task = task.using(run_after=timezone.now() + timedelta(seconds=rng.randint(30, 120)))
    elif roll < 0.3:
        task = task.using(priority=rng.randint(1, 20))
    return task.enqueue(*args, seconds=seconds)


def run(pause: tuple[float, float] = (10.0, 25.0), count: int | None = None) -> None:
    """Enqueue ``count`` tasks (forever when None), one every ``pause`` seconds."""
    rng = random.Random()  # noqa: S311 - demo data, not secrets
    done = 0
    while count is None or done < count:
        result = enqueue_random(rng)
        print(f"Enqueued {result.task.name} {result.id} on {result.task.queue_name}", flush=True)
        done += 1
        time.sleep(rng.uniform(*pause))
