"""The languages live viewers speak: each change is rendered once per language with viewers.

A viewer's page speaks its request's language (``queues.language.scope_language``), and so must
what is pushed to it afterwards. The publisher renders a change's fragments once in
``LANGUAGE_CODE`` (the message's own fields) and once more for every other language some
viewer speaks (``message["languages"][code]``, the same fields); each consumer picks its
language's fields (``localized``), falling back to ``LANGUAGE_CODE``'s.

Which languages are spoken: every process's hub counts its viewers' languages and tells every
other hub (the ``queueboard.languages`` group) when a new one appears, when a reader starts and
at each renewal of the watches; a language not heard of again within the watches' lifetime is
dropped. The publisher reads its own process's list (``spoken``), so rendering follows the
viewers of every process, never one render per viewer.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation

from .options import live_options
from .per_loop import PerLoop

#: The group of every process's hub: told which languages that process's viewers speak.
LANGUAGES_GROUP = "queueboard.languages"
LANGUAGES_MESSAGE = "qb.languages"
#: Languages kept at most (``LANGUAGES`` is the real bound; this caps a misconfigured one).
MAX_LANGUAGES = 64


def default_language() -> str:
    return str(settings.LANGUAGE_CODE)


def _known(code: object) -> str | None:
    """``code`` if it is one of the site's languages (what ``scope_language`` can give)."""
    if not isinstance(code, str) or not code or len(code) > 20:
        return None
    if code == default_language():
        return code
    try:
        translation.get_supported_language_variant(code, strict=True)
    except LookupError:
        return None
    return code


class Spoken:
    """The languages of this process's viewers, and those other processes told of."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.local: Counter[str] = Counter()
        self._heard: dict[str, float] = {}

    def add(self, language: str) -> bool:
        """Count a local viewer's language; True when no local viewer spoke it before."""
        self.local[language] += 1
        return self.local[language] == 1

    def remove(self, language: str) -> None:
        self.local[language] -= 1
        if self.local[language] <= 0:
            del self.local[language]

    def hear(self, languages: Iterable[object]) -> None:
        until = time.monotonic() + self.ttl
        for code in languages:
            known = _known(code)
            if known is not None and (known in self._heard or len(self._heard) < MAX_LANGUAGES):
                self._heard[known] = until

    def current(self) -> set[str]:
        """Every language some viewer speaks (of any process, as far as heard)."""
        now = time.monotonic()
        for code in [code for code, until in self._heard.items() if until < now]:
            del self._heard[code]
        return set(self.local) | set(self._heard)

    def message(self) -> dict[str, Any]:
        return {"type": LANGUAGES_MESSAGE, "languages": sorted(self.local)}


_spoken: PerLoop[Spoken] = PerLoop(lambda: Spoken(live_options().watch_ttl))
#: The languages known to the running event loop (made on first use).
spoken = _spoken.get


def in_languages(render: Callable[[], dict[str, Any]], count: Counter[str]) -> dict[str, Any]:
    """``render()``'s fields in ``LANGUAGE_CODE``, and under ``languages`` in every other
    language spoken; ``count`` counts the renders per language. Empty if it renders nothing."""
    default = default_language()
    with translation.override(default):
        fields = render()
    if not fields:
        return {}
    count[default] += 1
    others: dict[str, dict[str, Any]] = {}
    for code in sorted(spoken().current() - {default}):
        with translation.override(code):
            others[code] = render()
        count[code] += 1
    return {**fields, "languages": others} if others else fields


def localized(message: Mapping[str, Any], language: str | None) -> Mapping[str, Any]:
    """``message`` with the fields rendered in ``language`` (``LANGUAGE_CODE``'s otherwise)."""
    own = (message.get("languages") or {}).get(language) if language else None
    return {**message, **own} if own else message
