"""bullmq's own Lua scripts, read from the installed package and registered once per client.

The scripts are read from ``bullmq/commands/*.lua`` without importing ``bullmq``; the actions call
them with KEYS and ARGV built exactly as ``bullmq/scripts.py`` builds them.
"""

from __future__ import annotations

import weakref
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import redis.asyncio

from ..errors import BackendError

#: The bullmq scripts used, by our name.
SCRIPT_FILES = {
    "reprocess": "reprocessJob-9.lua",
    "promote": "promote-9.lua",
    "remove": "removeJob-2.lua",
    "clean": "cleanJobsInSet-3.lua",
    "pause": "pause-7.lua",
    "move_to_wait": "moveJobsToWait-8.lua",
}


@cache
def script_text(filename: str) -> str:
    """A script shipped with the ``bullmq`` package, found without importing it."""
    spec = find_spec("bullmq")
    if spec is None or spec.origin is None:
        raise BackendError(
            "Actions on BullMQ queues need the 'bullmq' package: "
            "pip install 'django-queueboard[bullmq]'."
        )
    return (Path(spec.origin).parent / "commands" / filename).read_text(encoding="utf-8")


_registered: weakref.WeakKeyDictionary[redis.asyncio.Redis, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def scripts_for(client: redis.asyncio.Redis) -> dict[str, Any]:
    """The scripts registered on ``client`` (one per event loop), by our name."""
    found = _registered.get(client)
    if found is None:
        found = {
            name: client.register_script(script_text(file)) for name, file in SCRIPT_FILES.items()
        }
        _registered[client] = found
    return found
