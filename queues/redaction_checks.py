"""``manage.py check`` for ``QUEUEBOARD["REDACT_KEYS"]``: a list of key patterns."""

from __future__ import annotations

import re
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

_PATTERN = re.compile(r"[A-Za-z0-9_.\- ]{1,100}")
MAX_PATTERNS = 200


def redact_keys_problem(value: Any) -> str | None:
    """Why ``value`` is not a valid ``REDACT_KEYS``, or None."""
    if not isinstance(value, list | tuple):
        return f"must be a list of key patterns such as ['password', 'token'], not {value!r}."
    if len(value) > MAX_PATTERNS:
        return f"holds {len(value)} patterns; at most {MAX_PATTERNS}."
    for pattern in value:
        if not isinstance(pattern, str) or not _PATTERN.fullmatch(pattern):
            return (
                f"pattern {pattern!r} must be 1 to 100 letters, digits, '_', '-', '.' or spaces"
                " (a part of the keys to mask, matched without case)."
            )
        if not pattern.strip(" _.-"):
            return f"pattern {pattern!r} holds no letter or digit: it would match every key."
    return None


@checks.register("queueboard")
def check_redact_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .conf import get_config

    try:
        value = get_config()["REDACT_KEYS"]
    except ImproperlyConfigured:
        return []  # said by check_backends
    problem = redact_keys_problem(value)
    if problem is None:
        return []
    return [checks.Error(f"QUEUEBOARD['REDACT_KEYS'] {problem}", id="queueboard.E070")]
