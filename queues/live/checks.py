"""System checks of live updates: their options, and the channel layer they will use."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

CHANNELS_IN_MEMORY = "channels.layers.InMemoryChannelLayer"
OWN_IN_MEMORY = "queues.live.layers.InMemoryChannelLayer"
REDIS_LAYER = "channels_redis.core.RedisChannelLayer"
#: How long channels_redis' receive waits for a message (``RedisChannelLayer.brpop_timeout``).
REDIS_LAYER_WAIT = 5.0


@checks.register("queueboard")
def check_live(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .options import live_options

    messages: list[checks.CheckMessage] = []
    try:
        live_options()
    except (ImproperlyConfigured, TypeError, ValueError) as exc:
        messages.append(checks.Error(str(exc), id="queueboard.E201"))
    if find_spec("channels") is None:
        return messages  # no live updates without channels: nothing to say of layers
    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get("default")
    if layer is None:
        messages.append(
            checks.Warning(
                "CHANNEL_LAYERS is not set: live updates use Queueboard's in-memory channel "
                "layer, which reaches the viewers of this process only.",
                hint=(
                    "With several board processes set CHANNEL_LAYERS to channels_redis; with one, "
                    f'set {{"default": {{"BACKEND": "{OWN_IN_MEMORY}"}}}} to say so.'
                ),
                id="queueboard.W201",
            )
        )
    elif isinstance(layer, dict) and layer.get("BACKEND") == CHANNELS_IN_MEMORY:
        messages.append(
            checks.Warning(
                f"CHANNEL_LAYERS uses {CHANNELS_IN_MEMORY}, which sweeps every channel on each "
                "message: live updates then cost O(viewers²) per change.",
                hint=f"Use {OWN_IN_MEMORY} (one process) or channels_redis (several).",
                id="queueboard.W202",
            )
        )
    elif isinstance(layer, dict) and layer.get("BACKEND") == REDIS_LAYER:
        short = read_timeout_too_short(layer.get("CONFIG") or {})
        if short is not None:
            messages.append(
                checks.Warning(
                    f"CHANNEL_LAYERS: channels_redis waits up to {REDIS_LAYER_WAIT:g} s for a "
                    f"message, but its Redis connections stop reading after {short:g} s "
                    "(redis-py's socket_timeout): every idle wait then fails, and a message "
                    "taken from Redis as the read gives up is lost.",
                    hint=(
                        "Give each host a longer read timeout, for example "
                        '{"address": "redis://host:6379/1", "socket_timeout": 10}.'
                    ),
                    id="queueboard.W203",
                )
            )
    return messages


def read_timeout_too_short(config: dict[str, Any]) -> float | None:
    """The shortest read timeout of the layer's hosts when it is not above channels_redis'
    wait (redis-py's own default where a host sets none), else None."""
    default = _redis_default_timeout()
    shortest: float | None = None
    for host in config.get("hosts") or [("localhost", 6379)]:
        timeout = _host_timeout(host, default)
        if timeout is not None and timeout <= REDIS_LAYER_WAIT:
            shortest = timeout if shortest is None else min(shortest, timeout)
    return shortest


def _host_timeout(host: Any, default: float | None) -> float | None:
    address = host if isinstance(host, str) else None
    if isinstance(host, dict):
        if "socket_timeout" in host:
            value = host["socket_timeout"]
            return None if value is None else float(value)
        address = host.get("address")
    if isinstance(address, str):
        given = parse_qs(urlsplit(address).query).get("socket_timeout")
        if given:
            try:
                return float(given[0])
            except ValueError:
                return default
    return default


def _redis_default_timeout() -> float | None:
    """redis-py's default read timeout (5 s since redis-py 6; none before)."""
    try:
        from redis import _defaults
    except ImportError:
        return None
    value = getattr(_defaults, "DEFAULT_SOCKET_TIMEOUT", None)
    return None if value is None else float(value)
