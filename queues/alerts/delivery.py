"""Alerts delivered beyond the signal: by e-mail (Django's mail settings) and to a webhook.

The evaluator hands each transition to ``Dispatcher.submit``, which never waits: deliveries
wait in a bounded queue (``ALERT_DELIVERY_QUEUE``; beyond it they are dropped and logged) and
one task of their own sends them, so a slow mail server or webhook never holds up evaluation.

The webhook gets a JSON body (``Transition.to_dict``) by POST, signed with the shared secret:
``X-Queueboard-Signature: sha256=<hex HMAC-SHA256 of the body>``. An answer other than 2xx, a
refused connection or no answer within ``timeout`` seconds is retried after ``backoff``,
twice that, and so on, ``retries`` times at most.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.mail import send_mail

from ..conf import setting
from .state import Transition

logger = logging.getLogger("queues.alerts")
SIGNATURE_HEADER = "X-Queueboard-Signature"
EVENT_HEADER = "X-Queueboard-Event"


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    timeout: float = 5.0
    retries: int = 3
    backoff: float = 1.0


def webhook_setting() -> Webhook | None:
    raw = setting("ALERT_WEBHOOK")
    return Webhook(**raw) if raw else None


def signature(secret: str, body: bytes) -> str:
    """The signature header's value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(hook: Webhook, body: bytes, event: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL (checked by E051)
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Queueboard alerts",
            SIGNATURE_HEADER: signature(hook.secret, body),
            EVENT_HEADER: event,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=hook.timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def post_webhook(hook: Webhook, transition: Transition) -> bool:
    """POST one transition, retried with backoff; whether the receiver took it."""
    body = json.dumps(transition.to_dict(), sort_keys=True).encode()
    delay = hook.backoff
    for attempt in range(hook.retries + 1):
        try:
            status = await asyncio.to_thread(_post, hook, body, str(transition.change))
            if 200 <= status < 300:
                return True
            logger.warning("Alert webhook answered %s (attempt %d)", status, attempt + 1)
        except (OSError, urllib.error.URLError) as exc:  # refused, timed out, reset
            logger.warning("Alert webhook failed: %s (attempt %d)", exc, attempt + 1)
        if attempt < hook.retries:
            await asyncio.sleep(delay)
            delay *= 2
    return False


def _mail(transition: Transition, recipients: list[str]) -> None:
    rule = transition.rule
    verb = "fired" if transition.fired else "resolved"
    subject = f"[Queueboard] {rule.name} {verb}: {transition.backend}:{transition.queue}"
    body = (
        f"Alert {rule.name} ({rule.kind}) {verb} for queue {transition.queue} of "
        f"{transition.backend} at {transition.at:%Y-%m-%d %H:%M:%S} UTC.\n"
        f"Value: {transition.value:g} (fires at {rule.above:g}, "
        f"resolves below {rule.resolve_below:g}).\n"
    )
    send_mail(subject, body, None, recipients)


def recipients(transition: Transition) -> list[str]:
    return list(dict.fromkeys([*setting("ALERT_EMAILS"), *transition.rule.email]))


class Dispatcher:
    """The deliveries' queue and the one task that sends them."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Transition] = asyncio.Queue(int(setting("ALERT_DELIVERY_QUEUE")))
        #: Deliveries dropped because the queue was full, and webhooks given up on.
        self.dropped = 0
        self.failed = 0
        self.delivered = 0

    def submit(self, transition: Transition) -> None:
        try:
            self.queue.put_nowait(transition)
        except asyncio.QueueFull:
            self.dropped += 1
            logger.warning("Alerts: delivery queue full; %s not delivered", transition.rule.name)

    async def deliver(self, transition: Transition) -> None:
        to = recipients(transition)
        if to:
            try:
                await sync_to_async(_mail, thread_sensitive=False)(transition, to)
            except Exception:
                logger.exception("Alerts: e-mail of %s failed", transition.rule.name)
        hook = webhook_setting()
        if hook is not None and transition.rule.webhook:
            if not await post_webhook(hook, transition):
                self.failed += 1
        self.delivered += 1

    async def run(self) -> None:
        while True:
            transition = await self.queue.get()
            try:
                await self.deliver(transition)
            except Exception:
                logger.exception("Alerts: delivery of %s failed", transition.rule.name)
            finally:
                self.queue.task_done()


def webhook_errors(raw: Any) -> list[str]:
    """What is wrong with ``ALERT_WEBHOOK`` (for ``manage.py check``)."""
    if raw is None:
        return []
    where = "QUEUEBOARD['ALERT_WEBHOOK']"
    if not isinstance(raw, dict):
        return [f"{where} must be None or a dict with 'url' and 'secret'."]
    unknown = set(raw) - {"url", "secret", "timeout", "retries", "backoff"}
    if unknown:
        return [f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}."]
    errors = []
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors.append(f"{where}: 'url' must be an http:// or https:// URL, not {url!r}.")
    secret = raw.get("secret")
    if not isinstance(secret, str) or len(secret) < 16:
        errors.append(f"{where}: 'secret' must be a text of at least 16 characters.")
    for key, low, high in (("timeout", 0.1, 60), ("retries", 0, 10), ("backoff", 0, 300)):
        value = raw.get(key)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            errors.append(f"{where}: {key!r} must be a number from {low} to {high}, not {value!r}.")
    return errors
