"""Functions the RQ demo worker runs (``rq worker rq-invoices``); imported by RQ workers only,
never by the board."""

from __future__ import annotations

import random
import time


class InvoiceError(Exception):
    pass


def render_invoice(customer: str, amount: float, *, currency: str = "EUR") -> dict[str, object]:
    """Render one invoice (a second or two); customers on .invalid domains fail."""
    if customer.endswith(".invalid"):
        raise InvoiceError(f"no billing address for {customer}")
    time.sleep(random.uniform(1.0, 3.0))  # noqa: S311 - demo pacing
    return {"customer": customer, "amount": amount, "currency": currency, "pages": 1}


def send_reminders(day: str) -> int:
    return 3
