"""Raw downloads stay attachments whatever the job id (F10.13).

A non-ASCII id put raw bytes (or, past Latin-1, a MIME-encoded word) into Content-Disposition,
which browsers then ignored, showing the file inline. Each download now names its file twice,
as RFC 6266 asks: ``filename="..."`` in plain ASCII, and ``filename*=UTF-8''...`` with the
real name; quotes, ``;``, line breaks, slashes and bidi controls never reach either.
"""

from __future__ import annotations

import email.message
import re
import time
from typing import Any
from urllib.parse import unquote

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.views.disposition import attachment

IDS = {
    "ascii": ("plain-42", "job-plain-42-data.json", "job-plain-42-data.json"),
    "accents": ("caf\u00e9-\u00fcber", "job-cafe-uber-data.json",
                "job-caf\u00e9-\u00fcber-data.json"),
    "cjk": ("\u65e5\u672c\u8a9e", "job-___-data.json", "job-\u65e5\u672c\u8a9e-data.json"),
    "quotes": ('say "hi"', "job-say__hi_-data.json", 'job-say "hi"-data.json'),
    "semicolon": ("a;filename=evil.html", "job-a_filename_evil.html-data.json",
                  "job-a;filename=evil.html-data.json"),
    "newline": ("line\r\nSet-Cookie: x=1", "job-line__Set-Cookie__x_1-data.json",
                "job-line__Set-Cookie: x=1-data.json"),
    "bidi": ("bidi\u202egnp.exe", "job-bidi_gnp.exe-data.json", "job-bidi_gnp.exe-data.json"),
    "slashes": ("a/b\\c%d", "job-a_b_c_d-data.json", "job-a_b_c%d-data.json"),
}  # fmt: skip

LONG = "\u00e9" * 500
#: RFC 6266: ``attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded UTF-8>``.
HEADER = re.compile(
    r'attachment; filename="([\x20-\x21\x23-\x5b\x5d-\x7e]*)"; '
    r"filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)"
)


def parse(header: str) -> tuple[str, str]:
    match = HEADER.fullmatch(header)
    assert match, header
    return match.group(1), unquote(match.group(2), errors="strict")


@pytest.mark.parametrize(("job_id", "fallback", "name"), IDS.values(), ids=IDS.keys())
def test_the_header_names_the_file_in_ascii_and_in_utf8(
    job_id: str, fallback: str, name: str
) -> None:
    header = attachment(f"job-{job_id}-data.json")
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert parse(header) == (fallback, name)
    # A mail parser (RFC 2231, which RFC 6266 builds on) reads it as an attachment too.
    message = email.message.Message()
    message["Content-Disposition"] = header
    assert message.get_content_disposition() == "attachment"


@pytest.fixture
def jobs(bullmq_settings: Any, redis_url: str) -> None:
    now = int(time.time() * 1000)
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset("bull:dl:meta", "opts.maxLenEvents", 10000)
        client.set("bull:dl:id", 1)
        for job_id in [*(i for i, _, _ in IDS.values()), LONG]:
            client.hset(
                f"bull:dl:{job_id}",
                mapping={"name": "n", "data": '{"a": 1}', "opts": "{}", "timestamp": now},
            )
            client.lpush("bull:dl:wait", job_id)
    finally:
        client.close()


@pytest.mark.django_db
@pytest.mark.parametrize(("job_id", "fallback", "name"), IDS.values(), ids=IDS.keys())
def test_every_download_is_an_attachment(
    staff_client: Client, jobs: None, job_id: str, fallback: str, name: str
) -> None:
    response = staff_client.get(
        reverse("queues:job-download", args=["bullmq", "dl", job_id, "data"])
    )
    assert response.status_code == 200
    raw = response.serialize_headers().decode("ascii")  # what goes on the wire
    (line,) = [h for h in raw.split("\r\n") if h.startswith("Content-Disposition:")]
    assert parse(line.removeprefix("Content-Disposition: ")) == (fallback, name)
    assert response.content == b'{"a": 1}'


@pytest.mark.django_db
def test_a_long_id_is_cut_in_the_file_name(staff_client: Client, jobs: None) -> None:
    response = staff_client.get(reverse("queues:job-download", args=["bullmq", "dl", LONG, "data"]))
    fallback, name = parse(response["Content-Disposition"])
    assert (fallback, name) == (f"job-{'e' * 80}-data.json", f"job-{LONG[:80]}-data.json")
