"""A Redis URL whose password holds an unencoded ``#``, ``/``, ``?`` or ``@`` (finding F10.3).

redis-py's parse error quotes the piece of the URL it could not read, which is the start of the
password (``Port could not be cast to integer value as 'pa'``); and some such URLs parse "fine"
with the password's start as the port and its rest as the path, which the board printed as the
server's address. The board never shows any part of such a URL: a backend whose URL cannot be
read as written refuses to be created, so the board does not start.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.backends import InvalidBackend, backends
from queues.backends.bullmq import BullMQBackend
from queues.checks import check_backends

ROOT = Path(__file__).resolve().parents[1]

#: (URL, pieces of its password that must never be shown).
HOSTILE = [
    # The finding's own example: '#' ends the authority, so the port is "pa".
    ("redis://:pa#ss/wo?rd@127.0.0.1:6379/0", ["pa#ss", "ss/wo", "wo?rd", "'pa'", ":pa"]),
    ("redis://:Qx7#Zk9/Wv3?Jy5@127.0.0.1:6379/0", ["Qx7", "Zk9", "Wv3", "Jy5"]),
    ("redis://:Hm4/Tr8@127.0.0.1:6379/0", ["Hm4", "Tr8"]),
    ("redis://:Pk5?Nw2@127.0.0.1:6379/0", ["Pk5", "Nw2"]),
    # A password starting with digits parses "fine" (port 4821, host "user") with the rest of
    # it as the path, which was printed as the server's address.
    ("redis://user:4821/Vq7Lm@127.0.0.1:6379/0", ["4821", "Vq7Lm"]),
    ("redis://:4821#Vq7Lm@127.0.0.1:6379/0", ["4821", "Vq7Lm"]),
]
IDS = ["finding", "hash-slash-query", "slash", "query", "digits-then-slash", "digits-then-hash"]


def entry(url: str) -> dict[str, Any]:
    return {"BACKEND": "queues.backends.bullmq.BullMQBackend", "OPTIONS": {"url": url}}


def assert_hidden(text: str, url: str, secrets: list[str]) -> None:
    assert url not in text
    for piece in secrets:
        assert piece not in text, (piece, text[-2000:])


def assert_clear_refusal(text: str) -> None:
    assert "QUEUEBOARD_BACKENDS['bullmq']" in text
    assert "could not be parsed" in text
    assert "percent-encoded" in text


@pytest.mark.parametrize(("url", "secrets"), HOSTILE, ids=IDS)
def test_the_backend_refuses_to_be_created(url: str, secrets: list[str]) -> None:
    with pytest.raises(InvalidBackend) as caught:
        BullMQBackend("bullmq", entry(url))
    assert_clear_refusal(str(caught.value))
    assert_hidden(str(caught.value), url, secrets)
    # Nothing chained either: a logged traceback would print redis-py's message.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(("url", "secrets"), HOSTILE[:3], ids=IDS[:3])
def test_startup_refuses_clearly(url: str, secrets: list[str], tmp_path: Path) -> None:
    """``django.setup()`` (what daphne's ``board.asgi`` and ``manage.py`` do) stops."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "board.settings",
        "SECRET_KEY": "tests-only",
        "REDIS_URL": url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for command in (
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        [sys.executable, "manage.py", "check"],
    ):
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert "started" not in done.stdout
        assert "ImproperlyConfigured" in output or "InvalidBackend" in output
        assert_clear_refusal(output)
        assert_hidden(output, url, secrets)


def test_a_well_formed_url_still_starts(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "board.settings",
        "SECRET_KEY": "tests-only",
        "REDIS_URL": "redis://:pa%23ss%2Fwo%3Frd@127.0.0.1:1/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [sys.executable, "-c", "import django; django.setup(); print('started')"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "started", done.stderr


@pytest.mark.parametrize(("url", "secrets"), HOSTILE, ids=IDS)
def test_the_handlers_first_use_and_the_system_check_refuse(
    settings: Any, url: str, secrets: list[str]
) -> None:
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry(url)}
    with pytest.raises(InvalidBackend) as caught:
        backends["bullmq"]
    assert_clear_refusal(str(caught.value))
    assert_hidden(str(caught.value), url, secrets)
    messages = [m for m in check_backends() if "bullmq" in m.msg]
    assert [m.id for m in messages] == ["queueboard.E001"]
    assert_clear_refusal(messages[0].msg)
    assert_hidden(" ".join(m.msg + str(m.hint) for m in messages), url, secrets)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "secrets"), HOSTILE, ids=IDS)
def test_no_page_or_answer_shows_the_password(
    settings: Any, staff_user: Any, caplog: pytest.LogCaptureFixture, url: str, secrets: list[str]
) -> None:
    """Overview, ``api/queues``, queue and job pages and their API, and their logs."""
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry(url)}
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    caplog.set_level(logging.DEBUG)
    for path in (
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:queue", args=["bullmq", "q"]),
        reverse("queues:job", args=["bullmq", "q", "1"]),
        reverse("queues:api-jobs", args=["bullmq", "q"]),
        reverse("queues:api-job", args=["bullmq", "q", "1"]),
    ):
        response = client.get(path)
        assert_hidden(response.content.decode("utf-8", "replace"), url, secrets)
    assert_hidden(caplog.text, url, secrets)


def test_describing_a_url_never_shows_its_password() -> None:
    from queues.backends.bullmq.client import describe_url

    for url, secrets in HOSTILE:
        assert_hidden(describe_url(url), url, secrets)
    assert describe_url("redis://:s3cret@10.0.0.5:6380/2") == "10.0.0.5:6380/2"
