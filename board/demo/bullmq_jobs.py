"""BullMQ jobs of the demo: what gets added (specs, flows) and the processor that runs them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bullmq import Job

from . import work

PEOPLE = ("ada.lovelace", "grace.hopper", "alan.turing", "margaret", "linus", "barbara", "ken")
STAGES = {
    "send-email": ("render template", "connect to SMTP", "deliver"),
    "thumbnail": ("download original", "decode", "resize", "upload"),
    "render-chart": ("load series", "draw", "encode PNG"),
    "monthly-report": ("query ledger", "aggregate", "render PDF"),
    "quarterly-report": ("collect months", "render PDF"),
}


@dataclass(frozen=True)
class JobSpec:
    queue: str
    name: str
    data: dict[str, Any]
    opts: dict[str, Any] = field(default_factory=dict)


async def _send_email(job: Job) -> Any:
    return work.compose_email(job.data["to"], job.data.get("template", "welcome"))


async def _thumbnail(job: Job) -> Any:
    data = job.data
    size = work.thumbnail_size(data["width"], data["height"], data.get("target_width", 320))
    return {"path": data["path"], **size}


async def _render_chart(job: Job) -> Any:
    return {"chart": job.data["chart"], "png": f"charts/{job.data['chart']}.png"}


async def _monthly_report(job: Job) -> Any:
    return work.monthly_totals(job.data["month"], job.data.get("region", "eu"))


async def _quarterly_report(job: Job) -> Any:
    parts = list((await job.getChildrenValues()).values())
    revenue = sum(part.get("revenue", 0) for part in parts if isinstance(part, dict))
    return {"quarter": job.data["quarter"], "parts": len(parts), "revenue": round(revenue, 2)}


HANDLERS: dict[str, Callable[[Job], Awaitable[Any]]] = {
    "send-email": _send_email,
    "thumbnail": _thumbnail,
    "render-chart": _render_chart,
    "monthly-report": _monthly_report,
    "quarterly-report": _quarterly_report,
}


async def process(job: Job, token: str) -> Any:
    """Log each stage, report progress, then do the work (which may raise)."""
    stages = STAGES.get(job.name, ("work",))
    pause = float(job.data.get("seconds", 0)) / len(stages)
    await job.log(f"{job.name} #{job.id}: attempt {job.attemptsMade + 1}")
    for number, stage in enumerate(stages):
        percent = round(100 * number / len(stages))
        # Reports show an object progress, the others a plain percentage: BullMQ allows both.
        progress = {"stage": stage, "percent": percent} if "report" in job.name else percent
        await job.updateProgress(progress)
        await job.log(f"{stage}…")
        if pause:
            await asyncio.sleep(pause)
    result = await HANDLERS[job.name](job)
    await job.updateProgress({"stage": "done", "percent": 100} if "report" in job.name else 100)
    await job.log(f"{job.name} #{job.id}: done")
    return result


def email(to: str, template: str = "welcome", seconds: float = 0, **opts: Any) -> JobSpec:
    return JobSpec(
        "emails", "send-email", {"to": to, "template": template, "seconds": seconds}, opts
    )


def thumbnail(path: str, width: int, height: int, seconds: float = 0, **opts: Any) -> JobSpec:
    data = {"path": path, "width": width, "height": height, "seconds": seconds}
    return JobSpec("images", "thumbnail", data, opts)


def monthly_report(month: str, region: str = "eu", seconds: float = 0, **opts: Any) -> JobSpec:
    data = {"month": month, "region": region, "seconds": seconds}
    return JobSpec("reports", "monthly-report", data, opts)


def quarterly_flow(
    quarter: str, months: tuple[str, ...], chart_delay_ms: int = 0
) -> dict[str, Any]:
    """A flow: the quarterly report waits for its monthly reports and a chart (maybe delayed)."""
    children: list[dict[str, Any]] = [
        {"name": "monthly-report", "queueName": "reports", "data": {"month": m, "seconds": 4}}
        for m in months
    ]
    children.append(
        {
            "name": "render-chart",
            "queueName": "images",
            "data": {"chart": f"{quarter}-revenue", "seconds": 3},
            "opts": {"delay": chart_delay_ms} if chart_delay_ms else {},
        }
    )
    return {
        "name": "quarterly-report",
        "queueName": "reports",
        "data": {"quarter": quarter, "seconds": 5},
        "children": children,
    }


def random_job(rng: random.Random) -> JobSpec:
    """One plausible job for the trickle producer; about one in six is bound to fail."""
    seconds = round(rng.uniform(3, 9), 1)
    opts: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.15:
        opts["delay"] = rng.randint(20, 90) * 1000
    elif roll < 0.35:
        opts["priority"] = rng.randint(1, 5)
    kind = rng.choice(("email", "email", "thumbnail", "report"))
    if kind == "email":
        domain = "mail.invalid" if rng.random() < 0.15 else "example.com"
        template = rng.choice(("welcome", "receipt", "digest", "digest", "newsletter"))
        opts |= {"attempts": 2, "backoff": {"type": "fixed", "delay": 5000}}
        return email(f"{rng.choice(PEOPLE)}@{domain}", template, seconds, **opts)
    if kind == "thumbnail":
        width = 0 if rng.random() < 0.1 else rng.choice((640, 1920, 4032))
        name = (
            f"uploads/{rng.choice(('cat', 'dog', 'sunset', 'receipt'))}-{rng.randint(1, 999)}.jpg"
        )
        return thumbnail(name, width, width * 3 // 4, seconds, **opts)
    month = f"2025-{rng.randint(1, 13):02d}"  # month 13 fails
    return monthly_report(
        month, rng.choice(("eu", "us", "apac", "eu", "us", "mars")), seconds, **opts
    )
