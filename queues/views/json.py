"""JSON responses safe to embed anywhere: ``<``, ``>``, ``&`` and line separators are escaped."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def dumps(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)


class SafeJsonResponse(HttpResponse):
    """``data`` as JSON; or ``encoded``, JSON text already built from ``dumps`` output."""

    def __init__(self, data: Any = None, status: int = 200, *, encoded: str | None = None) -> None:
        text = dumps(data) if encoded is None else encoded
        super().__init__(text.encode("utf-8"), content_type="application/json", status=status)
        self["X-Content-Type-Options"] = "nosniff"
        self["Cache-Control"] = "no-store"
