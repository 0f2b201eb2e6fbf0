"""``manage.py check`` for the alerts' settings: every bad rule and webhook key said once."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register("queueboard")
def check_alerts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ..conf import get_config
    from .delivery import webhook_errors
    from .rules import parse_rules

    try:
        config = get_config()
    except ImproperlyConfigured:
        return []  # said by check_backends
    messages: list[checks.CheckMessage] = [
        checks.Error(error, id="queueboard.E050") for error in parse_rules(config["ALERTS"])[1]
    ]
    messages += [
        checks.Error(error, id="queueboard.E051")
        for error in webhook_errors(config["ALERT_WEBHOOK"])
    ]
    emails = config["ALERT_EMAILS"]
    if (
        isinstance(emails, str)
        or not isinstance(emails, list | tuple)
        or not all(isinstance(a, str) and "@" in a for a in emails)
    ):
        messages.append(
            checks.Error(
                f"QUEUEBOARD['ALERT_EMAILS'] must be a list of e-mail addresses, not {emails!r}.",
                id="queueboard.E052",
            )
        )
    for key, low in (("ALERT_INTERVAL_SECONDS", 1), ("ALERT_DELIVERY_QUEUE", 1)):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            messages.append(
                checks.Error(
                    f"QUEUEBOARD[{key!r}] must be a number of at least {low}, not {value!r}.",
                    id="queueboard.E053",
                )
            )
    return messages
