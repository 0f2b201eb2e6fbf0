"""queues/redaction.py: which keys are secret, how values and log lines are masked, the
setting's check."""

from __future__ import annotations

from typing import Any

import pytest

from queues.backends.types import JobDetail, Payload
from queues.redaction import MASK, Redactor, holds_mask, is_secret_key, redactor_for
from queues.redaction_checks import check_redact_keys
from queues.states import JobState


@pytest.mark.parametrize(
    "key",
    ["password", "Password", "DB_PASSWORD", "client_secret", "accessToken", "refresh-token",
     "Authorization", "API_KEY", "apiKey", "x-api-key", "passwd"],
)  # fmt: skip
def test_secret_keys_in_any_spelling(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["user", "auth", "name", "keys", "id", "pass"])
def test_other_keys_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


def test_values_are_masked_at_any_depth_and_in_texts() -> None:
    value = {
        "user": "ada",
        "auth": {"token": {"nested": "t"}, "scheme": "bearer"},
        "list": [{"Password": 1}, "login password=pw1 done"],
        "n": 3,
    }
    assert Redactor().value(value) == {
        "user": "ada",
        "auth": {"token": MASK, "scheme": "bearer"},
        "list": [{"Password": MASK}, f"login password={MASK} done"],
        "n": 3,
    }


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("connecting with password=hunter2 user=bob", f"connecting with password={MASK} user=bob"),
        ("Authorization: Bearer abc.def", f"Authorization: {MASK}"),
        ('{"token": "x\\"y", "a": 1}', f'{{"token": "{MASK}", "a": 1}}'),
        ("api-key='zz' and more", f"api-key='{MASK}' and more"),
        ("GET /cb?access_token=abc&x=1", f"GET /cb?access_token={MASK}&x=1"),
        ("the token expired", "the token expired"),
    ],
)
def test_log_lines(line: str, masked: str) -> None:
    assert Redactor().text(line) == masked


def test_payloads_keep_their_size_and_pickles_stay_opaque() -> None:
    stored = Payload.from_stored('{"secret": "s", "x": 1}')
    masked = Redactor().payload(stored)
    assert masked.value == {"secret": MASK, "x": 1} and masked.size == stored.size
    text = Payload.from_stored('{"secret": "s", "cut')  # not JSON (cut): masked as text
    assert Redactor().payload(text).text == f'{{"secret": "{MASK}", "cut'
    pickle = Payload.opaque_value(10, "pickle", "A pickled value (10 bytes)")
    assert Redactor().payload(pickle) is pickle


def test_a_job_is_masked_everywhere_it_carries_values() -> None:
    job = JobDetail(
        backend="b", queue="q", id="1", state=JobState.FAILED, name="n",
        data=Payload.from_stored('{"token": "t1"}'), progress=Payload.from_stored('{"apiKey": 2}'),
        failed_reason="refused password=p2", options=Payload.from_stored('{"secret": 3}'),
        return_value=Payload.from_stored('{"a": {"Authorization": "x"}}'),
        logs=("token=t4",), stacktrace=("Error: refused password=p2",),
    )  # fmt: skip
    masked = Redactor().job(job)
    values = [masked.data, masked.progress, masked.options, masked.return_value]
    shown = repr([v.text for v in values] + [masked.failed_reason, masked.logs, masked.stacktrace])
    assert not any(secret in shown for secret in ("t1", "p2", "t4", ": 3", '"x"'))
    assert Redactor().holds(job, "t1") is False and Redactor().holds(job, "n") is True


def test_users_with_the_permission_see_values_as_stored(
    staff_user: Any, django_user_model: Any, settings: Any
) -> None:
    from tests.actions_helpers import grant

    assert isinstance(redactor_for(staff_user), Redactor)
    assert redactor_for(grant(staff_user, "view_unredacted")) is None
    settings.QUEUEBOARD = {"REDACT_KEYS": []}
    assert redactor_for(django_user_model.objects.get(pk=staff_user.pk)) is None


def test_holds_mask() -> None:
    assert holds_mask({"a": [f"x {MASK}"]}) and not holds_mask({"a": ["x"]})


@pytest.mark.parametrize(
    "value", ["password", ["ok", 3], ["a*b"], [""], ["__"], ["x" * 101], ["p"] * 201]
)
def test_the_check_refuses_bad_settings(value: Any, settings: Any) -> None:
    settings.QUEUEBOARD = {"REDACT_KEYS": value}
    (error,) = check_redact_keys()
    assert error.id == "queueboard.E070"


def test_the_check_accepts_good_settings(settings: Any) -> None:
    settings.QUEUEBOARD = {"REDACT_KEYS": ["password", "session id", "x-csrf"]}
    assert check_redact_keys() == []
