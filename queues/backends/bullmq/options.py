"""A job's stored options (``opts``) under BullMQ's API names.

BullMQ compresses some option names when it stores a job (``Job.optsAsJSON`` in its
``src/classes/job.ts``) and expands them again when it reads one (``Job.optsFromJSON``): the
six names of its ``optsDecodeMap``, and ``telemetry`` split into ``tm`` (its ``metadata``) and
``omc`` (its ``omitContext``). Every other option is stored under its own name (``attempts``,
``backoff``, ``delay``, ``removeOnComplete``, ...). This module does what ``optsFromJSON``
does, keeping the stored order, so the page shows the names a producer wrote.
"""

from __future__ import annotations

from typing import Any

#: Stored name -> API name (BullMQ's ``optsDecodeMap``).
OPTS_DECODE_MAP: dict[str, str] = {
    "de": "deduplication",
    "fpof": "failParentOnFailure",
    "cpof": "continueParentOnFailure",
    "idof": "ignoreDependencyOnFailure",
    "kl": "keepLogs",
    "rdof": "removeDependencyOnFailure",
}
#: Stored name -> the key it fills in the ``telemetry`` option.
TELEMETRY_PARTS: dict[str, str] = {"tm": "metadata", "omc": "omitContext"}


def api_options(stored: dict[str, Any]) -> dict[str, Any]:
    """``stored`` (a job's ``opts`` as BullMQ wrote it) with the API's option names.

    A name stored both short and long (a hand-written hash) keeps the long one's value.
    """
    named: dict[str, Any] = {}
    for key, value in stored.items():
        if key in TELEMETRY_PARTS:
            telemetry = named.get("telemetry")
            if not isinstance(telemetry, dict):
                telemetry = named["telemetry"] = {}
            telemetry[TELEMETRY_PARTS[key]] = value
        elif key in OPTS_DECODE_MAP:
            named.setdefault(OPTS_DECODE_MAP[key], value)
        else:
            named[key] = value
    return named


def renames_any(stored: dict[str, Any]) -> bool:
    """Whether ``api_options(stored)`` differs from ``stored`` in its names."""
    return any(key in OPTS_DECODE_MAP or key in TELEMETRY_PARTS for key in stored)
