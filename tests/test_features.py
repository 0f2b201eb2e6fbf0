"""The board's features (``queues/features.py``): each brings its routes and queue-page panels,
spliced where they belong, from one list."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.template.loader import get_template
from django.urls import reverse

from queues import features, urls
from queues.features import FEATURES, BoardFeature
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


def _names(patterns: list[Any]) -> list[str]:
    return [p.name for p in patterns]


def _position(name: str) -> int:
    return _names(urls.urlpatterns).index(name)


def test_every_feature_route_is_mounted_between_the_job_and_the_queue_routes() -> None:
    mounted = _names(urls.urlpatterns)
    for feature in FEATURES:
        module = import_module(feature.urls)
        for kind, after, before in (
            ("api_urlpatterns", "api-job", "api-queue-action"),
            ("page_urlpatterns", "job", "selection"),
        ):
            for name in _names(getattr(module, kind, [])):
                assert name in mounted, (feature.name, name)
                assert _position(after) < mounted.index(name) < _position(before), name
        for name in _names(getattr(module, "urlpatterns", [])):
            assert mounted.index(name) < _position("api-queues"), name


def test_routes_follow_the_list_order() -> None:
    expected = [
        name
        for feature in FEATURES
        for name in _names(getattr(import_module(feature.urls), "page_urlpatterns", []))
    ]
    assert _names(features.routes("page_urlpatterns")) == expected
    one = (BoardFeature("health", "queues.health_urls"),)
    assert _names(features.routes("page_urlpatterns", one)) == ["queue-health"]
    assert features.routes("api_urlpatterns", one) == []


@pytest.mark.parametrize("slot", ["queue", "nav"])
def test_every_partial_exists(slot: features.Slot) -> None:
    assert features.panels(slot)
    for template in features.panels(slot):
        get_template(template)
    assert len(set(features.panels(slot))) == len(features.panels(slot))


def test_the_header_shows_the_features_links_in_order(staff_client: Any) -> None:
    body = staff_client.get(reverse("queues:overview")).content.decode()
    nav = body[body.index('id="qb-board-nav"') :]
    links = [
        nav.index(f'href="{reverse(name)}"') for name in ("queues:schedules", "queues:failures")
    ]
    assert links == sorted(links)


def test_the_queue_page_shows_the_features_panels_in_order(
    staff_client: Any, bullmq_contract_env: ContractEnv
) -> None:
    env = bullmq_contract_env
    body = staff_client.get(reverse("queues:queue", args=["bullmq", env.queue])).content.decode()
    shown = [
        body.index(f'id="{panel}"')
        for panel in ("schedules-panel", "history-panel", "health-panel")
        if f'id="{panel}"' in body
    ]
    assert len(shown) == 3
    assert shown == sorted(shown)
