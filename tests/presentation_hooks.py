"""``QUEUEBOARD["EXTERNAL_JOB_URL"]`` hooks for tests/test_presentation.py."""

from __future__ import annotations

from typing import Any

not_callable = "a text"


def order_url(backend: Any, queue: str, job: Any) -> str | None:
    data = job.data.value if job.data.is_json else None
    if isinstance(data, dict) and "order" in data:
        return f"https://shop.example/orders/{data['order']}?queue={queue}&board={backend.alias}"
    if isinstance(data, dict) and "evil" in data:
        return str(data["evil"])
    return None


def broken(backend: Any, queue: str, job: Any) -> str:
    raise RuntimeError("the host's hook failed")


def showcase_url(backend: Any, queue: str, job: Any) -> str:
    """The browser tests' host application: every job has a page there."""
    return f"https://app.example/admin/jobs/{queue}/{job.id}"
