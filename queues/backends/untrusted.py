"""Parsing values that came from anywhere (job hashes): every failure is a ``ValueError``."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    """``json.loads`` whose failures, deep nesting included, all raise ``ValueError``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("The JSON is nested too deeply to parse.") from None
