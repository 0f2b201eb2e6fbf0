"""Django's makemessages, also finding the board's JavaScript helpers.

In the ``djangojs`` domain, ``qbT(text)`` and ``qbNT(singular, plural, n)``
(queues/static/queues/queueboard.js) and a script's own ``t(text)`` are ``gettext`` and
``ngettext`` with an English fallback when the catalog is missing; xgettext only knows them as
keywords. Run through scripts/messages.sh.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

JS_KEYWORDS = ["--keyword=qbT", "--keyword=qbNT:1,2", "--keyword=t"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> Any:
        if options.get("domain") == "djangojs":
            self.xgettext_options = [*self.xgettext_options, *JS_KEYWORDS]
        return super().handle(*args, **options)
