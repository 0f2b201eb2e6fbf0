"""``GET /metrics``: BullMQ's own series for real jobs, behind a bearer token.

Jobs are written and processed by a real Node bullmq worker (with its ``metrics`` option) and
by Django Tasks' worker; the answer is parsed by ``prometheus_client``'s own parser and, for a
BullMQ queue, compared with the text Node bullmq's ``Queue.exportPrometheusMetrics()`` gives
for the same queue: same names, same labels, same values (plus our ``backend`` label).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures_bullmq import run_node

TOKEN = "s3cret-metrics-token"
HOSTILE = 'bad "queue" \\ with\nnewline'
ROOT = Path(__file__).resolve().parents[1]


def scrape(client: Any, token: str | None = TOKEN, **extra: str) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", **headers, **extra)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, from the parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def without_backend(found: dict[Any, float], backend: str) -> dict[Any, float]:
    """Our samples of one backend with the ``backend`` label taken off (BullMQ's shape)."""
    kept = {}
    for (name, labels), value in found.items():
        if ("backend", backend) in labels:
            kept[(name, tuple(item for item in labels if item[0] != "backend"))] = value
    return kept


@pytest.fixture
def metrics_on(settings: Any) -> None:
    settings.QUEUEBOARD = {"METRICS_TOKEN": TOKEN}


@pytest.mark.node
@pytest.mark.django_db
def test_bullmq_series_match_bullmq_exporter(
    client: Any, metrics_on: None, bullmq_settings: Any, node_modules: Path, redis_url: str
) -> None:
    theirs_text = run_node("metrics_run.mjs", redis_url, "mailer", "5", "3", "2")
    theirs = samples(theirs_text)
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    ours = without_backend(samples(response.content.decode()), "bullmq")
    # Every series BullMQ's exporter gives is there, with its value.
    for key, value in theirs.items():
        assert ours[key] == value, key
    assert ours[("bullmq_job_count", (("queue", "mailer"), ("state", "waiting")))] == 2
    assert ours[("bullmq_job_count", (("queue", "mailer"), ("state", "completed")))] == 5
    assert ours[("bullmq_job_completed_total", (("queue", "mailer"),))] == 5
    assert ours[("bullmq_job_failed_total", (("queue", "mailer"),))] == 3
    # No session was made for the scraper.
    assert "sessionid" not in response.cookies


@pytest.mark.node
@pytest.mark.django_db
def test_hostile_queue_names_are_escaped(
    client: Any, metrics_on: None, bullmq_settings: Any, node_modules: Path, redis_url: str
) -> None:
    run_node("metrics_run.mjs", redis_url, HOSTILE, "1", "1", "1")
    text = scrape(client).content.decode()
    assert '\\"queue\\" \\\\ with\\nnewline' in text  # escaped on the wire, one line per sample
    found = without_backend(samples(text), "bullmq")
    assert found[("bullmq_job_count", (("queue", HOSTILE), ("state", "waiting")))] == 1
    assert found[("bullmq_job_failed_total", (("queue", HOSTILE),))] == 1


@pytest.mark.django_db(transaction=True)
def test_django_tasks_counts(client: Any, metrics_on: None, tasks_backend: Any) -> None:
    from tests.fixtures_tasks import seed_contract_queue

    seed_contract_queue("contract")
    found = without_backend(samples(scrape(client).content.decode()), "tasks")
    count = {
        labels[1][1]: value
        for (name, labels), value in found.items()
        if name == "bullmq_job_count" and labels[0] == ("queue", "contract")
    }
    assert count["waiting"] == 4
    assert count["delayed"] == 2
    assert count["completed"] == 3
    assert count["failed"] == 2
    # Django Tasks keeps no totals apart from its rows: no counter is made up.
    assert not [key for key in found if key[0] == "bullmq_job_completed_total"]


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "wrong", "", TOKEN + "x"])
def test_refused_without_the_token(client: Any, metrics_on: None, token: str | None) -> None:
    response = scrape(client, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "bullmq_job_count" not in response.content.decode()
    assert "Location" not in response  # never a login redirect


@pytest.mark.django_db
def test_other_schemes_refused(client: Any, metrics_on: None) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    assert response.status_code == 401


@pytest.mark.django_db
def test_not_found_while_no_token_is_set(client: Any, settings: Any) -> None:
    settings.QUEUEBOARD = {}
    assert scrape(client).status_code == 404


@pytest.mark.django_db
def test_staff_session_is_not_enough(client: Any, metrics_on: None, staff_user: Any) -> None:
    client.force_login(staff_user)
    assert scrape(client, None).status_code == 401


@pytest.mark.django_db
def test_rate_limited_per_address(client: Any, settings: Any) -> None:
    settings.QUEUEBOARD = {"METRICS_TOKEN": TOKEN, "METRICS_RATE_LIMIT": 3}
    assert [scrape(client, "wrong").status_code for _ in range(3)] == [401] * 3
    refused = scrape(client)  # even the right token, once the address is over its limit
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert scrape(client, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_standalone_board_reads_the_environment() -> None:
    code = "import board.settings as s; print(s.QUEUEBOARD.get('METRICS_TOKEN'))"
    env = {**os.environ, "SECRET_KEY": "x", "QUEUEBOARD_METRICS_TOKEN": "from-env"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "from-env"
    env.pop("QUEUEBOARD_METRICS_TOKEN")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "None"
