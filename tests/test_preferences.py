"""The browser's preferences (``qb_prefs`` cookie): parsed strictly, applied on the server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from queues.preferences import COOKIE, Preferences, parse
from queues.states import JobState
from tests.contract import ContractEnv


def test_a_well_formed_cookie_is_read() -> None:
    prefs = parse("theme=dark&per_page=50&confirm=0&poll=15&tab=logs")
    assert prefs == Preferences(
        theme="dark", per_page=50, confirm=False, poll_seconds=15, job_tab="logs"
    )


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "garbage",
        "theme=<script>alert(1)</script>",
        'theme=dark"><img src=x onerror=alert(1)>',
        "theme=DARK",
        "theme=dark ",
        "per_page=0",
        "per_page=-5",
        "per_page=201",  # over MAX_PAGE_SIZE
        "per_page=1e3",
        "per_page=٣",  # a digit, but not an ASCII one
        "per_page=" + "9" * 5000,
        "confirm=yes",
        "poll=7",  # not one of the choices
        "poll=00000000000000000005",
        "tab=../../etc",
        "tab=",
        "=&&==&",
        "theme=dark&" + "x" * 300,  # too long as a whole: all defaults
        "\x00theme=dark",
    ],
)
def test_a_hostile_or_broken_cookie_gives_the_defaults(raw: str | None) -> None:
    assert parse(raw) == Preferences()


def test_bad_parts_are_dropped_and_good_ones_kept() -> None:
    prefs = parse("theme=evil&per_page=30&tab=nope&confirm=0&unknown=1")
    assert prefs == Preferences(per_page=30, confirm=False)


def test_the_page_size_follows_max_page_size(settings: Any) -> None:
    settings.QUEUEBOARD = {"MAX_PAGE_SIZE": 40, "PAGE_SIZE": 15}
    assert parse("per_page=50") == Preferences()
    assert parse("per_page=40").page_size == 40
    assert Preferences().page_size == 15
    assert Preferences().per_page_choices() == [10, 15, 20]


@pytest.mark.parametrize(
    ("chosen", "failed", "opened"),
    [
        ("auto", True, "error"),
        ("auto", False, "data"),
        ("logs", True, "logs"),
        ("error", False, "data"),  # nothing to show there
        ("timeline", False, "timeline"),
    ],
)
def test_the_job_tab_opened(chosen: str, failed: bool, opened: str) -> None:
    assert Preferences(job_tab=chosen).tab_for(failed) == opened


# -- on the pages ------------------------------------------------------------------------------


def html_tag(body: str) -> str:
    match = re.search(r"<html[^>]*>", body)
    assert match, body[:300]
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("theme", ["system", "light", "dark"])
def test_the_theme_is_set_on_the_server(staff_client: Any, theme: str) -> None:
    staff_client.cookies[COOKIE] = f"theme={theme}&confirm=0&poll=60"
    body = staff_client.get(reverse("queues:overview")).content.decode()
    tag = html_tag(body)
    assert f'data-theme="{theme}"' in tag
    assert 'data-confirm="off"' in tag and 'data-poll-seconds="60"' in tag
    scheme = "light dark" if theme == "system" else theme
    assert f'<meta name="color-scheme" content="{scheme}">' in body
    assert 'id="qb-settings"' in body
    assert f'name="theme" value="{theme}" checked' in body


@pytest.mark.django_db
def test_without_a_cookie_the_system_theme_and_prompts(staff_client: Any) -> None:
    tag = html_tag(staff_client.get(reverse("queues:overview")).content.decode())
    assert 'data-theme="system"' in tag and 'data-confirm="on"' in tag
    assert 'data-poll-seconds="5"' in tag


@pytest.mark.django_db
def test_a_hostile_cookie_never_breaks_a_page_or_reaches_it(staff_client: Any) -> None:
    staff_client.cookies[COOKIE] = 'theme=dark"><script>alert(1)</script>&per_page=%00'
    response = staff_client.get(reverse("queues:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "alert(1)" not in body
    assert 'data-theme="system"' in html_tag(body)


@pytest.mark.django_db(transaction=True)
def test_jobs_per_page_from_the_cookie(staff_client: Any, tasks_contract_env: ContractEnv) -> None:
    env = tasks_contract_env
    waiting = env.ids[JobState.WAITING]
    assert len(waiting) >= 2
    url = reverse("queues:queue", args=[env.backend.alias, env.queue]) + "?state=waiting"
    staff_client.cookies[COOKIE] = "per_page=1"
    body = staff_client.get(url).content.decode()
    assert f"Page 1 of {len(waiting)}" in body
    assert 'data-per-page="1"' in body
    # ?per_page= still wins over the cookie.
    body = staff_client.get(url + "&per_page=50").content.decode()
    assert "Page 1 of 1" in body


@pytest.mark.django_db(transaction=True)
def test_the_default_job_tab_from_the_cookie(
    staff_client: Any, tasks_contract_env: ContractEnv
) -> None:
    env = tasks_contract_env
    failed = env.ids[JobState.FAILED][0]
    url = reverse("queues:job", args=[env.backend.alias, env.queue, failed])

    def current_tab(path: str) -> str:
        body = staff_client.get(path).content.decode()
        match = re.search(r'href="\?tab=(\w+)"[^>]*aria-current="page"', body)
        assert match, "no current tab"
        return match.group(1)

    assert current_tab(url) == "error"
    staff_client.cookies[COOKIE] = "tab=timeline"
    assert current_tab(url) == "timeline"
    assert current_tab(url + "?tab=data") == "data"


@pytest.mark.django_db
def test_the_cookie_is_kept_for_the_boards_mount_only(staff_client: Any, settings: Any) -> None:
    """settings.js writes the cookie with the path the panel names: where the board is mounted."""
    settings.ROOT_URLCONF = "tests.urls_board_only"
    body = staff_client.get("/ops/queues/").content.decode()
    assert 'data-cookie-path="/ops/queues/"' in body
    script = (Path(__file__).parent.parent / "queues/static/queues/settings.js").read_text()
    assert '"; Path=" + path' in script and "SameSite=Lax" in script
    assert 'protocol === "https:") cookie += "; Secure"' in script
    assert "HttpOnly" not in script  # the script itself writes it
