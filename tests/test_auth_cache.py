"""board.auth_cache: a session's user reused for a few seconds, and forgotten when it changes.

The second request of a session reads no database; a logout (also in another tab of the same
session), a deactivation, a lost staff flag, a removed permission (the user's or a group's), a
new password and a deleted session are refused on the very next request; what sends no signal
is refused once ``BOARD_AUTH_CACHE_SECONDS`` have passed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client
from django.urls import path

from board import auth_cache
from board.urls import urlpatterns as board_urls
from queues.permissions import can_view_board, checks_without_io

PERMISSION = "auth.view_group"


def whoami(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return HttpResponse("anonymous")
    board = "board" if can_view_board(user) else "no-board"
    perm = "perm" if user.has_perm(PERMISSION) else "no-perm"
    return HttpResponse(f"{user.get_username()} {board} {perm}")


def tag(request: HttpRequest) -> HttpResponse:
    """Writes on the request's user: the next request must not see it."""
    seen = getattr(request.user, "qb_tag", "none")
    request.user.qb_tag = "tagged"  # type: ignore[union-attr]
    return HttpResponse(seen)


def remember(request: HttpRequest) -> HttpResponse:
    request.session["colour"] = request.GET["colour"]
    return HttpResponse("ok")


def colour(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.session.get("colour", "none"))


async def on_loop(request: HttpRequest) -> HttpResponse:
    """Whether the access checks of the request's user can run on the event loop right now."""
    loaded = checks_without_io(request.user)
    user = await request.auser()  # type: ignore[attr-defined]
    return HttpResponse(f"{'loop' if loaded else 'thread'} {user.get_username()}")


urlpatterns = [
    path("t/whoami", whoami),
    path("t/tag", tag),
    path("t/remember", remember),
    path("t/colour", colour),
    path("t/loop", on_loop),
    *board_urls,
]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def long_ttl(settings: Any) -> Any:
    """Entries outlive every test: whatever is refused is refused by invalidation, not age."""
    settings.BOARD_AUTH_CACHE_SECONDS = 60
    auth_cache.sessions.forget_all()
    yield settings
    auth_cache.sessions.forget_all()


@pytest.fixture
def staff(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_group"))
    return user


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def other_tab(client: Client) -> Client:
    """A second client with the same session cookie: another tab of the same browser."""
    tab = Client()
    tab.cookies = client.cookies
    return tab


def answer(client: Client, url: str = "/t/whoami") -> str:
    return client.get(url).content.decode()


def test_the_second_request_of_a_session_reads_no_database(
    staff: Any, django_assert_num_queries: Any
) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"  # read: session, user, permissions
    with django_assert_num_queries(0):
        assert answer(client) == "ops board perm"
    assert len(auth_cache.sessions) == 1


def test_logout_in_another_tab_is_refused_at_once(staff: Any) -> None:
    client = logged_in(staff)
    tab = other_tab(client)
    assert answer(tab) == "ops board perm"
    assert client.post("/logout/").status_code == 302
    assert answer(tab) == "anonymous"


def test_a_deactivated_user_is_refused_at_once(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    staff.is_active = False
    staff.save()
    assert answer(client) == "anonymous"


def test_a_user_no_longer_staff_loses_the_board_at_once(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    staff.is_staff = False
    staff.save(update_fields=["is_staff"])
    assert answer(client) == "ops no-board perm"


def test_a_removed_permission_is_refused_at_once(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    staff.user_permissions.clear()
    assert answer(client) == "ops board no-perm"


def test_a_permission_removed_from_a_group_is_refused_at_once(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("grouped", password="pw", is_staff=True)
    group = Group.objects.create(name="operators")
    permission = Permission.objects.get(codename="view_group")
    group.permissions.add(permission)
    user.groups.add(group)
    client = logged_in(user)
    assert answer(client) == "grouped board perm"
    group.permissions.remove(permission)
    assert answer(client) == "grouped board no-perm"
    group.permissions.add(permission)
    assert answer(client) == "grouped board perm"
    user.groups.remove(group)
    assert answer(client) == "grouped board no-perm"


def test_a_changed_password_ends_the_session_at_once(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    staff.set_password("another")
    staff.save()
    assert answer(client) == "anonymous"  # the session hash no longer matches


def test_a_deleted_session_is_refused_at_once(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    Session.objects.get(session_key=client.cookies["sessionid"].value).delete()
    assert answer(client) == "anonymous"


def test_a_change_without_signal_is_refused_within_the_bound(staff: Any, settings: Any) -> None:
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)  # no post_save
    assert answer(client) == "ops board perm"  # reused: within BOARD_AUTH_CACHE_SECONDS
    settings.BOARD_AUTH_CACHE_SECONDS = 1e-9  # the entry is now older than the bound
    assert answer(client) == "anonymous"


def test_off_reads_the_database_every_time(
    staff: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.BOARD_AUTH_CACHE_SECONDS = 0
    client = logged_in(staff)
    assert answer(client) == "ops board perm"
    with django_assert_num_queries(4):  # session, user, the user's and its groups' permissions
        assert answer(client) == "ops board perm"
    assert len(auth_cache.sessions) == 0


def test_each_request_gets_its_own_copy_of_the_user(staff: Any) -> None:
    client = logged_in(staff)
    assert answer(client, "/t/tag") == "none"
    assert answer(client, "/t/tag") == "none"
    assert answer(client, "/t/tag") == "none"


def test_a_session_changed_by_a_request_is_read_again(staff: Any) -> None:
    client = logged_in(staff)
    tab = other_tab(client)
    assert answer(tab, "/t/colour") == "none"
    assert answer(client, "/t/remember?colour=blue") == "ok"
    assert answer(tab, "/t/colour") == "blue"
    assert answer(client, "/t/remember?colour=green") == "ok"
    assert answer(tab, "/t/colour") == "green"


def test_anonymous_and_bad_cookies_are_not_kept(client: Client) -> None:
    assert answer(client) == "anonymous"
    client.cookies["sessionid"] = "x" * 32
    assert answer(client) == "anonymous"
    assert len(auth_cache.sessions) == 0


def test_a_read_that_began_before_a_change_is_not_kept(staff: Any) -> None:
    generation = auth_cache.sessions.generation
    auth_cache.sessions.forget_all()  # e.g. the user saved while the read was in a thread
    auth_cache.sessions.put("k" * 32, generation, {}, staff)
    assert auth_cache.sessions.get("k" * 32, 60) is None


def test_under_asgi_a_kept_user_needs_no_thread(staff: Any) -> None:
    async def scenario() -> list[str]:
        client = AsyncClient()
        await client.aforce_login(staff)
        return [(await client.get("/t/loop")).content.decode() for _ in range(2)]

    first, second = asyncio.run(scenario())
    assert first == "thread ops"  # Django's lazy user, read in a thread, then kept
    assert second == "loop ops"  # the kept user, a plain object: checks run on the loop


def test_under_asgi_a_logout_is_refused_at_once(staff: Any) -> None:
    async def scenario() -> tuple[str, str]:
        client = AsyncClient()
        await client.aforce_login(staff)
        tab = AsyncClient()
        tab.cookies = client.cookies
        before = (await tab.get("/t/whoami")).content.decode()
        await client.post("/logout/")
        return before, (await tab.get("/t/whoami")).content.decode()

    assert asyncio.run(scenario()) == ("ops board perm", "anonymous")
