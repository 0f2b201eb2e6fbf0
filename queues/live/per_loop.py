"""One object per running event loop (the live service, the fan-out hub), made on first use.

Channels and Redis clients belong to the loop that made them, so these live objects do too; a
loop that ends takes its object with it (weak keys).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    """``make()`` once per event loop."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._objects: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The object of the running loop, made now if it has none."""
        loop = asyncio.get_running_loop()
        found = self._objects.get(loop)
        if found is None:
            found = self._objects[loop] = self._make()
        return found

    def current(self) -> T | None:
        """The object of the running loop if it has one (None outside a loop)."""
        try:
            return self._objects.get(asyncio.get_running_loop())
        except RuntimeError:
            return None
