"""In Chromium, a job id with a right-to-left override reads as its escape, never reversed.

``bidi\\u202egnp.exe`` used to be drawn as ``bidiexe.png`` (F10.11). Here the drawn order of
the letters is measured: "g" must be left of "p", and the id's visible text holds ``\\u202e``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.test_hostile import assert_inert
from tests.bullmq_producers import write_failed_job

pytestmark = pytest.mark.browser

QUEUE = "spoof"
JOB_ID = "bidi\u202egnp.exe"
NAME = "mail\u202efdp.exe"

#: The drawn left edge of each of these letters in the element's text (the first of each).
LEFT_OF = """(element, letters) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const found = {};
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const letter = node.data[i];
      if (letters.includes(letter) && !(letter in found)) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        found[letter] = range.getBoundingClientRect().left;
      }
    }
  }
  return found;
}"""


@pytest.fixture
def spoofed(redis_url: str) -> None:
    write_failed_job(redis_url, QUEUE, JOB_ID, NAME)


def assert_drawn_in_order(locator: Any, first: str, then: str) -> None:
    left = locator.evaluate(LEFT_OF, [first, then])
    assert left[first] < left[then], left


def test_the_job_id_shows_its_override_and_is_not_reversed(
    board_page: BoardPage, spoofed: None
) -> None:
    page = board_page.page
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=failed")
    link = page.locator("#job-list a.qb-job-id")
    expect(link).to_have_count(1)
    text = link.inner_text()
    assert text == "bidi\\u202egnp.exe"
    assert "\u202e" not in text and "exe.png" not in text
    assert_drawn_in_order(link, "g", "p")  # "gnp", as stored: not drawn as "png"
    escape = link.locator(".qb-invisible")
    expect(escape).to_have_text("\\u202e")
    expect(escape).to_have_attribute("title", "U+202E RIGHT-TO-LEFT OVERRIDE")
    assert escape.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    name = page.locator("#job-list td.qb-job-name")
    assert name.inner_text() == "mail\\u202efdp.exe"
    assert_drawn_in_order(name, "f", "p")
    assert_inert(board_page)
    board_page.screenshot("invisible-id-list")

    link.click()  # the link carries the real id
    expect(page.locator("#job-title .qb-job-id-label")).to_have_text("#bidi\\u202egnp.exe")
    assert page.url.endswith(f"/job/{quote(JOB_ID)}/")
    assert_drawn_in_order(page.locator("#job-title .qb-job-id-label"), "g", "p")
    assert "\u202e" not in page.title() and "bidi\\u202egnp.exe" in page.title()
    board_page.screenshot("invisible-id-job")
    board_page.assert_clean()
