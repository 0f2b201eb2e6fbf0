"""Issue 10, F10.4: password guessing on the standalone board's /login/ and /admin/login/.

Failed logins are counted per account and per client address; past either limit every attempt
is refused (the right password too) with a clear message on the form and a 429, whether or not
the account exists. Through Django's test client against the board's own URLs.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

BOARD, ADMIN = "/login/", "/admin/login/"
REFUSED = "Too many failed logins for this account or from this address."


@pytest.fixture
def users(django_user_model: Any) -> dict[str, Any]:
    return {
        name: django_user_model.objects.create_user(name, password=f"{name}-pw", is_staff=True)
        for name in ("staff", "other", "mallory")
    }


def attempt(
    client: Client, username: str, password: str, url: str = BOARD, address: str = "10.0.0.1"
) -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def refusal_of(response: Any) -> str | None:
    """The refusal message shown on the form, if any."""
    match = re.search(r"(Too many failed logins[^<]*)", response.content.decode())
    return match.group(1) if match else None


def test_sixty_wrong_passwords_then_the_right_one_is_refused(client: Client, users: Any) -> None:
    answers = [attempt(client, "staff", f"guess-{n}").status_code for n in range(60)]
    assert answers[:5] == [200] * 5  # five failures are answered as failures
    assert set(answers[5:]) == {429}  # then every attempt is refused
    right = attempt(client, "staff", "staff-pw")
    assert right.status_code == 429
    assert not logged_in(client)
    assert int(right["Retry-After"]) > 0
    body = right.content.decode()
    message = refusal_of(right)
    assert message and message.startswith(REFUSED)
    assert "try again in" in message
    # On the board's own login page, as an announced form error.
    assert '<div id="login-error" class="qb-problem" role="alert">' in body
    assert '<header class="qb-header">' in body
    assert "/static/board/board.css" in body


def test_the_admin_login_is_behind_the_same_throttle(client: Client, users: Any) -> None:
    for n in range(60):
        attempt(client, "staff", f"guess-{n}", url=ADMIN)
    right = attempt(client, "staff", "staff-pw", url=ADMIN)
    assert right.status_code == 429
    assert not logged_in(client)
    assert refusal_of(right), "no refusal on the admin's form"
    assert 'class="errornote"' in right.content.decode()  # the admin's own form error
    # The board's login counts the same failures.
    assert attempt(Client(), "staff", "staff-pw", address="10.0.0.1").status_code == 429


def test_failures_on_both_logins_add_up(client: Client, users: Any) -> None:
    for n in range(3):
        assert attempt(client, "staff", f"guess-{n}").status_code == 200
    for n in range(2):
        assert attempt(client, "staff", f"guess-admin-{n}", url=ADMIN).status_code == 200
    assert attempt(client, "staff", "staff-pw").status_code == 429
    assert attempt(client, "staff", "staff-pw", url=ADMIN).status_code == 429


def test_another_account_from_another_address_is_not_blocked(users: Any) -> None:
    attacker = Client()
    for n in range(60):
        attempt(attacker, "staff", f"guess-{n}", address="10.0.0.1")
    other = Client()
    answer = attempt(other, "other", "other-pw", address="10.0.0.2")
    assert answer.status_code == 302 and logged_in(other)
    # The attacked account stays refused from any address: it is counted per account too.
    elsewhere = Client()
    assert attempt(elsewhere, "staff", "staff-pw", address="10.0.0.9").status_code == 429
    assert not logged_in(elsewhere)


def test_an_address_guessing_at_many_accounts_is_refused(users: Any) -> None:
    """20 failures from one address (each account under its own limit), then even another
    account's right password from that address is refused."""
    client = Client()
    for n in range(20):
        assert attempt(client, f"user-{n}", "guess", address="10.0.0.3").status_code == 200
    assert attempt(client, "other", "other-pw", address="10.0.0.3").status_code == 429
    assert not logged_in(client)
    assert attempt(Client(), "other", "other-pw", address="10.0.0.4").status_code == 302


def test_a_successful_login_does_not_reset_the_addresss_failures(users: Any) -> None:
    """Logging in to an account of one's own between guesses buys no more guesses."""
    client = Client()
    for n in range(19):
        assert attempt(client, f"victim-{n}", "guess", address="10.0.0.5").status_code == 200
    own = attempt(Client(), "mallory", "mallory-pw", address="10.0.0.5")
    assert own.status_code == 302  # the 20th attempt from there, and a right one
    assert attempt(client, "victim-x", "guess", address="10.0.0.5").status_code == 200  # 20th
    assert attempt(client, "victim-y", "guess", address="10.0.0.5").status_code == 429
    assert attempt(Client(), "mallory", "mallory-pw", address="10.0.0.5").status_code == 429


def test_a_missing_account_is_refused_exactly_like_an_existing_one(users: Any) -> None:
    """The refusal does not tell whether the account exists."""
    existing, missing = Client(), Client()
    for n in range(5):
        attempt(existing, "staff", f"guess-{n}", address="10.0.1.1")
        attempt(missing, "nobody", f"guess-{n}", address="10.0.1.2")
    a = attempt(existing, "staff", "anything", address="10.0.1.1")
    b = attempt(missing, "nobody", "anything", address="10.0.1.2")
    assert (a.status_code, b.status_code) == (429, 429)
    assert refusal_of(a) == refusal_of(b)
    assert a["Retry-After"] == b["Retry-After"]
    strip = lambda r: r.content.decode().replace("staff", "X").replace("nobody", "X")  # noqa: E731
    tokens = r'(value|content)="[^"]*"'  # the form's and the page's CSRF tokens differ
    assert re.sub(tokens, "", strip(a)) == re.sub(tokens, "", strip(b))


def test_the_user_name_is_counted_whatever_its_case(users: Any) -> None:
    client = Client()
    full_width = "\uff53\uff54\uff41\uff46\uff46"  # NFKC makes it "staff"
    for name in ("staff", "STAFF", "Staff", "sTaFf", full_width):
        assert attempt(client, name, "guess").status_code == 200
    assert attempt(client, "staff", "staff-pw", address="10.0.0.8").status_code == 429


def test_a_successful_login_forgets_that_accounts_failures(client: Client, users: Any) -> None:
    for n in range(4):
        attempt(client, "staff", f"guess-{n}")
    assert attempt(client, "staff", "staff-pw").status_code == 302
    fresh = Client()
    for n in range(4):  # four more failures are allowed again
        assert attempt(fresh, "staff", f"again-{n}", address="10.0.0.6").status_code == 200


def test_parallel_guesses_get_no_more_than_the_limit(users: Any) -> None:
    """Each attempt is counted before the password is checked: a burst cannot slip through a
    check made before any of its attempts had failed."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(10)

    def guess(n: int) -> None:
        client = Client()
        start.wait()
        for k in range(3):
            status = attempt(client, "staff", f"guess-{n}-{k}", address=f"10.1.0.{n}").status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == 30
    assert statuses.count(200) == 5  # exactly the account's five failures were tried
    assert statuses.count(429) == 25


@pytest.mark.parametrize("url", [BOARD, ADMIN])
def test_limits_are_settings(client: Client, users: Any, settings: Any, url: str) -> None:
    settings.BOARD_LOGIN_FAILURES = 2
    settings.BOARD_LOGIN_WINDOW = 60
    assert attempt(client, "staff", "a", url=url).status_code == 200
    assert attempt(client, "staff", "b", url=url).status_code == 200
    refused = attempt(client, "staff", "staff-pw", url=url)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 120
