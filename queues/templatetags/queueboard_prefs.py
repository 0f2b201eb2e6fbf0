"""The browser's preferences (``qb_prefs`` cookie) for the board's frame: theme and the rest."""

from __future__ import annotations

from django import template
from django.template.context import Context

from ..preferences import Preferences, of

register = template.Library()


@register.simple_tag(takes_context=True)
def queueboard_preferences(context: Context) -> Preferences:
    """``{% queueboard_preferences as prefs %}``: the request's validated preferences (the
    defaults when the template is rendered without a request)."""
    request = getattr(context, "request", None)
    return of(request) if request is not None else Preferences()
