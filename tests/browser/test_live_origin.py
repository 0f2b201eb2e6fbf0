"""Cross-site WebSocket hijacking, in Chromium (issue 10, F10.5).

Cookies do not depend on the port: a page served on another port of 127.0.0.1 (another app, a
developer's server) that opens the board's socket sends the operator's session cookie with the
handshake, and WebSockets are not subject to CORS. The board must refuse it: its Origin is not
the board's own, though its host is allowed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveBoard, open_board_page
from tests.browser.live_node import expect_live
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

#: The other site's page: it opens the board's socket and records what it gets.
FOREIGN_PAGE = """<!DOCTYPE html><html><head><title>elsewhere</title></head><body><script>
window.result = {opened: false, messages: [], closed: null};
const socket = new WebSocket(%(url)r);
socket.onopen = () => { window.result.opened = true; };
socket.onmessage = (event) => { window.result.messages.push(event.data); };
socket.onclose = (event) => { window.result.closed = event.code; };
</script></body></html>"""


@pytest.fixture
def foreign_site() -> Iterator[dict[str, Any]]:
    """A page server on another port of 127.0.0.1; ``socket_url`` sets what its page opens."""
    site: dict[str, Any] = {"socket_url": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (FOREIGN_PAGE % {"url": site["socket_url"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site["url"] = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_port_cannot_open_the_boards_socket(
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
    tasks_settings: dict[str, Any],
    foreign_site: dict[str, Any],
) -> None:
    from tests import sample_tasks

    job = sample_tasks.echo.using(queue_name="origin").enqueue("operator-only data", n=1)
    job_path = f"/queue/tasks/origin/job/{job.id}/"
    with contextmanager(open_board_page)(browser, live_board, staff_user) as board:
        page = board.page
        # The board's own page opens its socket with the same cookies.
        board.goto(job_path)
        expect_live(board)
        expect(page.locator("#job-state")).to_have_text("Waiting")

        foreign_site["socket_url"] = "ws" + live_board.url.removeprefix("http") + "/ws" + job_path
        page.goto(foreign_site["url"])
        page.wait_for_function(  # refused, or (the finding) reading the job's data
            "window.result && (window.result.closed !== null || window.result.messages.length)"
        )
        result = page.evaluate("window.result")
        assert result["opened"] is False
        assert result["messages"] == []
        assert result["closed"] == 1006  # the handshake was refused
