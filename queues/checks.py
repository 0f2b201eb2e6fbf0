"""System checks: every configured backend loads and checks itself."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register("queueboard")
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .backends import backends
    from .conf import get_config

    messages: list[checks.CheckMessage] = []
    try:
        get_config()
    except ImproperlyConfigured as exc:
        messages.append(checks.Error(str(exc), id="queueboard.E004"))
    try:
        aliases = list(backends)
    except ImproperlyConfigured as exc:
        return [*messages, checks.Error(str(exc), id="queueboard.E001")]
    for alias in aliases:
        try:
            backend = backends[alias]
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="queueboard.E001"))
            continue
        messages.extend(backend.check(**kwargs))
    return messages


@checks.register("queueboard")
def check_group_delimiter(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``GROUP_DELIMITER``: None, or a short text of visible characters (".", ":", "/", "::")."""
    from .conf import get_config

    try:
        value = get_config()["GROUP_DELIMITER"]
    except ImproperlyConfigured:
        return []  # said by check_backends
    if value is None:
        return []
    if not isinstance(value, str) or not 0 < len(value) <= 8 or not value.isprintable():
        return [
            checks.Error(
                f"QUEUEBOARD['GROUP_DELIMITER'] must be None or a short text such as '.' or ':'"
                f" (1 to 8 printable characters), not {value!r}.",
                id="queueboard.E020",
            )
        ]
    if value.strip() != value:
        return [
            checks.Error(
                f"QUEUEBOARD['GROUP_DELIMITER'] {value!r} starts or ends with a space.",
                id="queueboard.E020",
            )
        ]
    return []


@checks.register("queueboard")
def check_failure_groups_scan(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``FAILURE_GROUPS_SCAN``: a whole number from 1 to 1,000,000."""
    from .conf import get_config

    try:
        value = get_config()["FAILURE_GROUPS_SCAN"]
    except ImproperlyConfigured:
        return []  # said by check_backends
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        return [
            checks.Error(
                "QUEUEBOARD['FAILURE_GROUPS_SCAN'] must be a whole number from 1 to 1000000 "
                f"(failed jobs read per queue to group them by cause), not {value!r}.",
                id="queueboard.E030",
            )
        ]
    return []
