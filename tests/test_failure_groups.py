"""Failure groups: normalization, the window bound, and the setting's system check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import checks

from queues.backends.failure_types import FailedRow, FailedWindow
from queues.checks import check_failure_groups_scan
from queues.failure_groups import fold, group_key, group_rows, normalize


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("User 42 not found", "User <n> not found"),
        ("mail to bob.smith+x@mail.example.com failed", "mail to <email> failed"),
        ("job 0b9f3c1e-8a2d-4f6b-9c7e-1a2b3c4d5e6f lost", "job <uuid> lost"),
        ("read 0xDEADBEEF at deadbeef0123", "read <hex> at <hex>"),
        ("no key 'eu-1' in \"cfg 7\"", "no key <value> in <value>"),
        ("amount 12.50 for acct-9", "amount <n> for acct-<n>"),
        ("  two\n  lines  ", "two lines"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_normalize_keeps_first_line_and_frame() -> None:
    cause, frame = normalize("TypeError: User 7 gone\nmore", "at findUser (/app/w.mjs:12:9)")
    assert cause == "TypeError: User <n> gone"
    assert frame == "at findUser (/app/w.mjs:<n>)"
    assert group_key(cause, frame) == group_key(*normalize("TypeError: User 8 gone", frame))
    assert group_key(cause, frame) != group_key(cause, "at other (/app/w.mjs:1:1)")
    assert len(group_key(cause, frame)) == 12


def row(job_id: str, reason: str, minutes: int, name: str = "work") -> FailedRow:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return FailedRow(job_id, name, when, reason, "")


def test_group_rows_counts_first_last_names_sample() -> None:
    rows = [  # newest first, as backends give them
        row("9", "E: a 3", 9, "b"),
        row("8", "E: other", 8),
        row("7", "E: a 2", 7, "a"),
        row("6", "E: a 1", 6, "b"),
    ]
    found = group_rows(FailedWindow(rows=rows, complete=False))
    assert found.scanned == 4 and found.complete is False
    first, second = found.groups
    assert (first.cause, first.count, first.sample_job_id) == ("E: a <n>", 3, "9")
    assert first.job_names == ["b", "a"]
    assert first.first_seen == rows[3].failed_at and first.last_seen == rows[0].failed_at
    assert (second.cause, second.count) == ("E: other", 1)


@pytest.mark.parametrize("value", [0, -1, "5000", 1.5, True, 2_000_000])
def test_scan_setting_checked(settings: Any, value: Any) -> None:
    settings.QUEUEBOARD = {"FAILURE_GROUPS_SCAN": value}
    messages = check_failure_groups_scan()
    assert [m.id for m in messages] == ["queueboard.E030"]
    assert isinstance(messages[0], checks.Error)


def test_scan_setting_default_passes(settings: Any) -> None:
    settings.QUEUEBOARD = {}
    assert check_failure_groups_scan() == []
