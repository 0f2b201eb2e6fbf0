"""Redis ACL users: the rules the board needs, and a read-only user noticed at first use.

``acl_rules(prefix)`` is the ACL the board needs on a Redis 6+ server (``docs/redis-acl.md``):
its keys and the commands its reads, actions (bullmq's scripts), schedules, workers panel and
live reader run, found by running the BullMQ tests as such a user.

A user with fewer rights (no scripting, or no writes, or keys outside the prefix) can still read
if it has ``+@read``: ``probe`` finds out with one harmless script that deletes a key nobody
uses (``<prefix>:queueboard:acl-probe``), and the backend then reports every queue read-only,
with the reason, so the pages show no action buttons and actions answer 403.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

#: Command categories, in order: FLUSHALL, FLUSHDB, KEYS, SORT and the like (``@dangerous``)
#: are taken away again, as a key pattern does not hold them.
CATEGORIES = ("-@all", "+@read", "+@write", "+@scripting", "-@dangerous")
#: The commands beyond those (by name or subcommand): pipelines of scripts run in MULTI/EXEC,
#: CLIENT LIST lists workers, INFO gives bullmq the server's version, PING answers checks.
EXTRA_COMMANDS = ("+multi", "+exec", "+client|list", "+info", "+ping")
#: How long one probe's answer is kept (an ACL changed on the server is seen after this).
PROBE_SECONDS = 300.0
#: What Redis says when its ACL refuses a command, a key or a command inside a script.
REFUSALS = ("NOPERM", "permission", "can't run this command", "can't access")
#: What a page and the API say when Redis refuses the board's user a command it needs.
ACL_REFUSED = _(
    "The board's Redis user at {where} may not run a command the board needs ({error}). "
    "Give it the rules of docs/redis-acl.md."
)
_SCRIPT_WHERE = re.compile(r"\s*script: [0-9a-f]{40}, on @user_script:\d+\.?")
PROBE_SCRIPT = "return redis.call('DEL', KEYS[1])"


def acl_rules(prefix: str = "bull", user: str = "queueboard", password: str | None = None) -> str:
    """The ``ACL SETUSER`` line for the board's user on keys under ``prefix`` (``<password>``
    stands for the password when none is given)."""
    commands = " ".join(CATEGORIES + EXTRA_COMMANDS)
    secret = password or "<password>"
    return f"ACL SETUSER {user} on >{secret} resetkeys ~{prefix}:* resetchannels {commands}"


@dataclass
class ProbeResult:
    read_only: bool
    #: Redis' refusal, for the notice (``None`` when the user may act).
    refusal: str | None
    at: float


async def probe(client: Any, prefix: str) -> ProbeResult:
    """Whether the connection's user may run a writing script on ``prefix``'s keys."""
    try:
        await client.eval(PROBE_SCRIPT, 1, f"{prefix}:queueboard:acl-probe")
    except redis.exceptions.NoPermissionError as exc:
        return ProbeResult(True, _short(exc), time.monotonic())
    except redis.ResponseError as exc:
        text = str(exc)
        if any(word in text for word in REFUSALS):
            return ProbeResult(True, _short(exc), time.monotonic())
        raise
    return ProbeResult(False, None, time.monotonic())


def _short(exc: BaseException) -> str:
    # Without the probe script's digest and line ("script: 0123…, on @user_script:1."), noise.
    text = _SCRIPT_WHERE.sub("", " ".join(str(exc).split())).strip(" .") or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "\u2026"


class BullMQACLMixin:
    """Read-only when the server's ACL refuses the board's user to write (``probe``)."""

    alias: str
    label: str
    prefix: str
    read_only: bool
    read_only_queues: frozenset[str]
    _acl: ProbeResult | None = None

    async def _check_acl(self, client: Any) -> None:
        """Probe the user's rights at first use, then again every ``PROBE_SECONDS``."""
        kept = self._acl
        if kept is None or time.monotonic() - kept.at >= PROBE_SECONDS:
            self._acl = await probe(client, self.prefix)

    @property
    def read_only_reason(self) -> Any:
        """Why every queue is read-only (the user's ACL), for the pages and refusals."""
        kept = self._acl
        if kept is None or not kept.read_only:
            return None
        message = _(
            "The board's Redis user may not change queues on {backend} (Redis answered: "
            "{refusal}), so the board is read-only there. To act, give the user the rules "
            "of docs/redis-acl.md."
        )
        return format_lazy(message, backend=self.label, refusal=kept.refusal)

    def is_queue_read_only(self, queue: str) -> bool:
        kept = self._acl
        acl_read_only = kept is not None and kept.read_only
        return acl_read_only or self.read_only or queue in self.read_only_queues
