"""The header's environment badge of the standalone board, from the environment:
``QUEUEBOARD_ENVIRONMENT`` (its label, e.g. "production") and ``QUEUEBOARD_ENVIRONMENT_COLOR``
(red, orange, yellow, green, blue, purple or gray; default gray). A bad colour is left for
``manage.py check`` to name (queueboard.E042)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def environment_badge(env: Mapping[str, str]) -> dict[str, Any] | None:
    label = (env.get("QUEUEBOARD_ENVIRONMENT") or "").strip()
    if not label:
        return None
    color = (env.get("QUEUEBOARD_ENVIRONMENT_COLOR") or "gray").strip().lower()
    return {"label": label, "color": color}
