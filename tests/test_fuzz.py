"""Property-based tests: whatever the parameters or the stored job, never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db(transaction=True)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text_params = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["failed", "waiting", "0", "-1", "1e9", "NaN", "", " ", "%00", "\x00"]),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

stored_value = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"{", b"[1,2", b"\xff\xfe\xfd", b"null", b"1e400", b"[" * 5000]),
)

HASH_FIELDS = [
    "name",
    "data",
    "opts",
    "timestamp",
    "delay",
    "priority",
    "processedOn",
    "finishedOn",
    "progress",
    "returnvalue",
    "failedReason",
    "stacktrace",
    "atm",
    "attemptsMade",
    "pb",
    "parentKey",
    "parent",
    "rjk",
    "defa",
]


@pytest.fixture
def many_searches(settings: Any) -> None:
    """A fuzz test runs a hundred searches as one user: lift the per-user search rate (F10.1),
    which is not what is fuzzed here (tests/test_search_limits.py tests it)."""
    settings.QUEUEBOARD = {"SEARCH_RATE_LIMIT": 1_000_000}


def ok_status(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:500])


@FUZZ
@given(state=text_params, page=text_params, per_page=text_params, q=text_params)
def test_api_query_parameters(
    staff_client: Any,
    tasks_contract_env: Any,
    many_searches: None,
    state: Any,
    page: Any,
    per_page: Any,
    q: Any,
) -> None:
    params = {
        k: v
        for k, v in {"state": state, "page": page, "per_page": per_page, "q": q}.items()
        if v is not None
    }
    api = staff_client.get(reverse("queues:api-jobs", args=["tasks", "contract"]), params)
    ok_status(api)
    assert api.status_code in (200, 400)
    assert api["Content-Type"] == "application/json"
    ok_status(staff_client.get(reverse("queues:queue", args=["tasks", "contract"]), params))


@FUZZ
@given(q=st.text(max_size=60), state=st.sampled_from(["waiting", "failed", "completed"]))
def test_bullmq_search_text(
    staff_client: Any, bullmq_contract_env: Any, many_searches: None, q: str, state: str
) -> None:
    api = staff_client.get(
        reverse("queues:api-jobs", args=["bullmq", "contract"]), {"state": state, "q": q}
    )
    assert api.status_code in (200, 400), (api.status_code, api.content[:500])
    if api.status_code == 200 and q.strip():
        assert api.json()["search"]["text"] == q.strip()
    page = staff_client.get(
        reverse("queues:queue", args=["bullmq", "contract"]), {"state": state, "q": q}
    )
    ok_status(page)


@FUZZ
@given(
    alias=st.text(min_size=1, max_size=20),
    queue=st.text(min_size=1, max_size=40),
    job=st.text(min_size=1, max_size=40),
)
def test_api_path_parameters(
    staff_client: Any, bullmq_settings: Any, alias: str, queue: str, job: str
) -> None:
    a, q, j = (quote(part, safe="") for part in (alias, queue, job))
    for url in (
        f"/api/queues/{a}/{q}/jobs",
        f"/api/queues/{a}/{q}/jobs/{j}",
        f"/queue/{a}/{q}/",
        f"/queue/{a}/{q}/job/{j}/",
        f"/api/queues/bullmq/{q}/jobs/{j}",
        f"/queue/tasks/{q}/job/{j}/",
        f"/queue/{a}/{q}/find-job?id={j}",
        f"/queue/bullmq/{q}/find-job?id={j}",
    ):
        ok_status(staff_client.get(url))


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(HASH_FIELDS), stored_value, min_size=0, max_size=12))
def test_any_job_hash_renders(
    staff_client: Any, bullmq_settings: Any, fields: dict[str, bytes]
) -> None:
    client = redis.Redis.from_url(bullmq_settings["OPTIONS"]["url"])
    client.flushall()
    client.hset("bull:fuzz:meta", "opts.maxLenEvents", 10000)
    client.set("bull:fuzz:id", 1)
    if fields:
        client.hset("bull:fuzz:1", mapping=fields)
    client.zadd("bull:fuzz:failed", {"1": 1700000000000})
    client.lpush("bull:fuzz:wait", "1")
    client.close()
    for url in (
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:queue", args=["bullmq", "fuzz"]) + "?state=failed",
        reverse("queues:queue", args=["bullmq", "fuzz"]) + "?state=waiting",
        reverse("queues:api-jobs", args=["bullmq", "fuzz"]) + "?state=failed",
        reverse("queues:api-job", args=["bullmq", "fuzz", "1"]),
    ):
        ok_status(staff_client.get(url))
    for tab in ("data", "options", "logs", "error", "timeline"):
        ok_status(
            staff_client.get(reverse("queues:job", args=["bullmq", "fuzz", "1"]), {"tab": tab})
        )


# -- request bodies of every POST endpoint of the API (F10.12) -----------------------------------

#: Every POST endpoint of the JSON API, on the Django Tasks "contract" queue.
POST_API = {
    "job-action": ("queues:api-job-action", ["tasks", "contract", "1", "retry"]),
    "selection-retry": ("queues:api-selection", ["tasks", "contract", "retry"]),
    "selection-remove": ("queues:api-selection", ["tasks", "contract", "remove"]),
    "retry-all": ("queues:api-queue-action", ["tasks", "contract", "retry-all"]),
    "promote-all": ("queues:api-queue-action", ["tasks", "contract", "promote-all"]),
    "clean": ("queues:api-queue-action", ["tasks", "contract", "clean"]),
    "empty": ("queues:api-queue-action", ["tasks", "contract", "empty"]),
    "pause": ("queues:api-queue-action", ["tasks", "contract", "pause"]),
    "resume": ("queues:api-queue-action", ["tasks", "contract", "resume"]),
    "run-cancel": ("queues:api-run-cancel", ["00000000-0000-0000-0000-000000000000"]),
}

action_fields = st.dictionaries(
    st.sampled_from(["ids", "state", "grace", "limit"]) | st.text(max_size=8),
    json_values | st.lists(st.text(max_size=10) | st.integers(), max_size=5),
    max_size=5,
)
request_bodies = st.one_of(
    action_fields.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.integers(min_value=1, max_value=200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=50_000).map(
        lambda n: b'{"ids": ' + b"[" * n + b"]" * n + b"}"
    ),
    st.integers(min_value=1, max_value=50_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.sampled_from(
        [b"", b"{", b"NaN", b'{"limit": NaN}', b'{"limit": 1e999}', b'{"limit": ' + b"9" * 5000
         + b"}", b'{"ids": [true, null]}', b"\xef\xbb\xbf{}", b'{"grace": "1e308w"}']
    ),
)  # fmt: skip
body_content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-16",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=qb",
        "multipart/form-data",
        "text/plain",
    ]
)


@FUZZ
@given(endpoint=st.sampled_from(sorted(POST_API)), body=request_bodies, kind=body_content_types)
def test_api_request_bodies(
    staff_client: Any, tasks_contract_env: Any, endpoint: str, body: bytes, kind: str
) -> None:
    """Whatever a POST to the API carries: an answer in the JSON error shape, never a 500."""
    name, args = POST_API[endpoint]
    # generic(): post() would transcode the bytes to a charset named in the content type.
    response = staff_client.generic("POST", reverse(name, args=args), body, content_type=kind)
    ok_status(response)
    assert response["Content-Type"] == "application/json", response.content[:300]
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
