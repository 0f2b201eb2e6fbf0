"""Display filters of the job lists."""

from __future__ import annotations

from django.template import engines

from queues.templatetags.queueboard import clip


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    assert clip("exactly10!", 10) == "exactly10!"
    assert clip("eleven chars", 10) == "eleven ch\u2026"
    assert len(clip("x" * 500, 40)) == 40
    assert clip(12345, 3) == "12\u2026"


def test_clipped_values_are_still_escaped() -> None:
    template = engines["django"].from_string("{% load queueboard %}{{ value|clip:8 }}")
    assert template.render({"value": "<script>alert(1)</script>"}) == "&lt;script\u2026"
