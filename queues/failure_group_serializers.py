"""Failure groups as the JSON API gives them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .failure_groups import FailureGroup, GroupedFailures


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def group_to_dict(group: FailureGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "cause": group.cause,
        "frame": group.frame,
        "count": group.count,
        "first_seen": _time(group.first_seen),
        "last_seen": _time(group.last_seen),
        "job_names": list(group.job_names),
        "sample_job_id": group.sample_job_id,
    }


def grouped_to_dict(found: GroupedFailures) -> dict[str, Any]:
    return {
        "groups": [group_to_dict(g) for g in found.groups],
        "scanned": found.scanned,
        "complete": found.complete,
    }
