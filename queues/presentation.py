"""How the board presents itself and its jobs to the host's people: the header's environment
badge (``QUEUEBOARD["ENVIRONMENT"]``) and each job's link into the host application
(``QUEUEBOARD["EXTERNAL_JOB_URL"]``). Queues' display names live with the backends' options
(``backends/queue_display.py``).

Both settings are checked by ``manage.py check`` (``presentation_checks``); at run time a bad
value shows nothing rather than breaking a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.utils.module_loading import import_string

from .conf import setting

logger = logging.getLogger(__name__)

#: The colours a badge may take (each a class of operations.css, readable in both themes).
ENVIRONMENT_COLORS = ("red", "orange", "yellow", "green", "blue", "purple", "gray")
ENVIRONMENT_KEYS = frozenset({"label", "color"})
LABEL_MAX = 24
#: The longest link the board renders.
URL_MAX = 2000


@dataclass(frozen=True)
class Environment:
    label: str
    color: str


def environment_problems(value: Any) -> list[str]:
    """What is wrong with an ``ENVIRONMENT`` setting (empty: nothing)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            "must be None or a dict such as {'label': 'production', 'color': 'red'}, "
            f"not {value!r}."
        ]
    problems = [
        f"unknown key {key!r} (known: color, label)."
        for key in sorted(set(value) - ENVIRONMENT_KEYS, key=str)
    ]
    label = value.get("label")
    if not isinstance(label, str) or not label.strip() or not label.isprintable():
        problems.append(f"'label' must be a short line of text, not {label!r}.")
    elif len(label) > LABEL_MAX:
        problems.append(f"'label' is {len(label)} characters long; at most {LABEL_MAX}.")
    color = value.get("color", "gray")
    if color not in ENVIRONMENT_COLORS:
        known = ", ".join(ENVIRONMENT_COLORS)
        problems.append(f"'color' must be one of {known}, not {color!r}.")
    return problems


def environment() -> Environment | None:
    """The header's badge, or None (none set, or the setting is bad)."""
    value = setting("ENVIRONMENT")
    if value is None or environment_problems(value):
        return None
    return Environment(label=value["label"].strip(), color=value.get("color", "gray"))


@cache
def _resolve(path: str) -> Callable[..., Any]:
    found = import_string(path)
    if not callable(found):
        raise TypeError(f"{path} is not callable")
    return found


def external_url_problems(value: Any) -> list[str]:
    """What is wrong with an ``EXTERNAL_JOB_URL`` setting (empty: nothing)."""
    if value is None:
        return []
    if not isinstance(value, str) or not value:
        return [f"must be None or the dotted path of a callable, not {value!r}."]
    try:
        _resolve(value)
    except (ImportError, TypeError, ValueError) as exc:
        return [f"{value!r} cannot be imported as a callable ({exc})."]
    return []


def safe_url(value: Any) -> str | None:
    """``value`` if it is an absolute http(s) URL of reasonable length, else None."""
    if not isinstance(value, str) or not value or len(value) > URL_MAX:
        return None
    if any(char.isspace() or not char.isprintable() for char in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def external_job_url(backend: Any, queue: str, job: Any) -> str | None:
    """The job's page in the host application, or None (no hook, it said none, it failed, or
    what it gave is not an http(s) URL)."""
    path = setting("EXTERNAL_JOB_URL")
    if not path:
        return None
    try:
        url = _resolve(path)(backend, queue, job)
    except Exception:  # the host's code: its failure must not break the job page
        logger.warning("QUEUEBOARD['EXTERNAL_JOB_URL'] %s failed", path, exc_info=True)
        return None
    if url is None:
        return None
    checked = safe_url(url)
    if checked is None:
        logger.warning("QUEUEBOARD['EXTERNAL_JOB_URL'] %s gave a URL that is not http(s)", path)
    return checked
