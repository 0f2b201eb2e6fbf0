"""Permission checks run on the event loop only when they read no database
(``queues/permissions.py``: ``permissions_without_io``, ``on_loop_if_no_io``)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils.functional import SimpleLazyObject

from queues.permissions import on_loop_if_no_io, permissions_without_io
from queues.redaction import PERMISSION, sees_unredacted

pytestmark = pytest.mark.django_db


def grant_unredacted(user: Any) -> Any:
    app_label, codename = PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return type(user).objects.get(pk=user.pk)  # as read again: no permission cached


def test_a_user_whose_permissions_are_cached_is_checked_without_queries(
    staff_user: Any, django_assert_num_queries: Any
) -> None:
    user = grant_unredacted(staff_user)
    assert not permissions_without_io(user)  # has_perm would query
    user.get_all_permissions()  # what board/auth_cache.py does for the users it keeps
    assert permissions_without_io(user)
    with django_assert_num_queries(0):
        assert sees_unredacted(user)


def test_superusers_need_no_cache_and_lazy_users_are_never_checked_on_the_loop(
    django_user_model: Any, staff_user: Any, django_assert_num_queries: Any
) -> None:
    root = django_user_model.objects.create_superuser("root", password="pw")
    assert permissions_without_io(root)
    with django_assert_num_queries(0):
        assert sees_unredacted(root)
    staff_user.get_all_permissions()
    assert not permissions_without_io(SimpleLazyObject(lambda: staff_user))


def test_another_authentication_backend_may_read_anything(staff_user: Any, settings: Any) -> None:
    staff_user.get_all_permissions()
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.RemoteUserBackend",
    ]
    assert not permissions_without_io(staff_user)


def test_the_check_runs_where_it_should(staff_user: Any, settings: Any) -> None:
    loop_thread = threading.get_ident()

    def where() -> bool:
        return threading.get_ident() == loop_thread

    async def run(user: Any, **kw: Any) -> bool:
        return await on_loop_if_no_io(user, where, **kw)

    cached = type(staff_user).objects.get(pk=staff_user.pk)
    assert asyncio.run(run(cached))  # the access rule alone: the user's attributes
    assert not asyncio.run(run(cached, reads_permissions=True))  # permissions not read yet
    cached.get_all_permissions()
    assert asyncio.run(run(cached, reads_permissions=True))
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}
    assert not asyncio.run(run(cached, reads_permissions=True))  # a rule of the site's own
