"""The demo's pretend work, shared by the Django Tasks and the BullMQ jobs.

Real code that fails for real on bad input, so failed jobs carry genuine tracebacks.
"""

from __future__ import annotations

import smtplib
from calendar import monthrange
from datetime import datetime
from fractions import Fraction
from typing import Any
from uuid import uuid4

TEMPLATES = {
    "welcome": "Welcome aboard, {name}!",
    "receipt": "Your receipt from Queueboard Coffee",
    "digest": "Your weekly digest, {name}",
}
REGION_FACTORS = {"eu": 1.15, "us": 1.0, "apac": 0.85}


def compose_email(to: str, template: str = "welcome") -> dict[str, Any]:
    """Render an email; ``*.invalid`` domains bounce, unknown templates raise ``KeyError``."""
    local, domain = to.split("@")
    if domain.endswith(".invalid"):
        raise smtplib.SMTPRecipientsRefused({to: (550, b"5.1.1 Mailbox unavailable")})
    subject = TEMPLATES[template].format(name=local.replace(".", " ").title())
    return {"to": to, "subject": subject, "message_id": f"<{uuid4().hex}@queueboard.demo>"}


def thumbnail_size(width: int, height: int, target_width: int = 320) -> dict[str, Any]:
    """Scale an image to ``target_width``; a zero width (a broken upload) divides by zero."""
    scale = Fraction(target_width, width)
    return {"width": target_width, "height": round(height * scale), "scale": round(float(scale), 4)}


def monthly_totals(month: str, region: str = "eu") -> dict[str, Any]:
    """Sum a month of pretend revenue; a bad month or an unknown region raises."""
    start = datetime.strptime(month, "%Y-%m")  # a calendar month, not an instant
    factor = REGION_FACTORS[region]
    days = monthrange(start.year, start.month)[1]
    revenue = sum(1000 * factor * (1 + (day % 7) / 10) for day in range(days))
    return {"month": month, "region": region, "days": days, "revenue": round(revenue, 2)}
