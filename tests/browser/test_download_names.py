"""In Chromium, opening a raw download of a job with a non-ASCII id saves a file (F10.13).

Before, the header Chromium got was a MIME-encoded word it could not read: the JSON was shown
inline as a page. Now it is a download named after the real id.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import redis

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser

JOB_ID = "\u65e5\u672c-caf\u00e9;1"


@pytest.fixture
def job(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset("bull:dl:meta", "opts.maxLenEvents", 10000)
        client.set("bull:dl:id", 1)
        client.hset(
            f"bull:dl:{JOB_ID}",
            mapping={"name": "n", "data": '{"a": 1}', "opts": "{}", "timestamp": int(time.time())},
        )
        client.lpush("bull:dl:wait", JOB_ID)
    finally:
        client.close()


def test_a_non_ascii_id_downloads_as_a_file(board_page: BoardPage, job: None) -> None:
    page = board_page.page
    board_page.goto(f"/queue/bullmq/dl/job/{quote(JOB_ID)}/?tab=data")
    url = page.get_by_role("link", name="Download raw").first.get_attribute("href")
    with page.expect_download(timeout=5000) as info:
        # Not a click: the link's own ``download`` attribute would force a download anyway.
        page.evaluate("url => { window.location.href = url; }", url)
    download = info.value
    assert download.suggested_filename == f"job-{JOB_ID}-data.json"
    assert open(download.path(), "rb").read() == b'{"a": 1}'
