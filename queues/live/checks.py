"""System checks of live updates: their options, and the channel layer they will use."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

CHANNELS_IN_MEMORY = "channels.layers.InMemoryChannelLayer"
OWN_IN_MEMORY = "queues.live.layers.InMemoryChannelLayer"


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
    return messages
