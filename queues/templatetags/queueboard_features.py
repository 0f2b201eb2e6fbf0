"""``{% feature_panels "queue" as panels %}``: the partials the board's features add to a page."""

from __future__ import annotations

from django import template

from .. import features

register = template.Library()


@register.simple_tag
def feature_panels(slot: features.Slot) -> tuple[str, ...]:
    """The partials of every feature listed in ``queues.features.FEATURES`` for ``slot``
    (``"queue"``: the queue page's panels; ``"nav"``: the header's board-wide links)."""
    return features.panels(slot)
