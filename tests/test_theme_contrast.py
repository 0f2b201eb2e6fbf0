"""Text on the board's colours is readable in both themes (WCAG AA, 4.5:1): coloured buttons,
body text, links, and each job state's colour and tint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from queues.states import JobState

CSS = Path(__file__).resolve().parent.parent / "queues" / "static" / "queues" / "queueboard.css"


def themes() -> dict[str, dict[str, str]]:
    """The custom properties of the light and dark themes: each colour of ``:root`` is
    ``light-dark(light, dark)`` (one palette; a plain colour is the same in both)."""
    root = CSS.read_text(encoding="utf-8").split(":root {", 1)[1].split("}", 1)[0]
    found: dict[str, dict[str, str]] = {"light": {}, "dark": {}}
    for name, value in re.findall(r"--([\w-]+):\s*([^;]+);", root):
        pair = re.fullmatch(r"light-dark\((#[0-9a-fA-F]{6}),\s*(#[0-9a-fA-F]{6})\)", value.strip())
        if pair:
            found["light"][name], found["dark"][name] = pair.groups()
        elif re.fullmatch(r"#[0-9a-fA-F]{6}", value.strip()):
            found["light"][name] = found["dark"][name] = value.strip()
    return found


def test_one_palette_and_a_theme_chosen_by_attribute() -> None:
    """No second copy of the palette: the chosen theme (``data-theme`` on <html>, from the
    browser's settings) only sets the colour scheme, which ``light-dark()`` follows."""
    text = CSS.read_text(encoding="utf-8")
    assert "prefers-color-scheme" not in text
    assert ':root[data-theme="light"] { color-scheme: light; }' in text
    assert ':root[data-theme="dark"] { color-scheme: dark; }' in text
    light, dark = themes()["light"], themes()["dark"]
    assert light["bg"] != dark["bg"] and light["fg"] != dark["fg"]
    assert len(light) == len(dark) >= 20


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("background", ["accent", "failed"])
def test_primary_button_text_is_readable(theme: str, background: str) -> None:
    colours = {**themes()["light"], **themes()[theme]}
    assert contrast(colours["on-accent"], colours[background]) >= 4.5


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_body_text_is_readable(theme: str) -> None:
    colours = {**themes()["light"], **themes()[theme]}
    assert contrast(colours["fg"], colours["bg"]) >= 4.5
    assert contrast(colours["muted"], colours["panel"]) >= 4.5


STATES = [state.value for state in JobState]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("state", STATES)
def test_each_state_has_a_colour_and_a_tint_readable_everywhere(theme: str, state: str) -> None:
    """A state's colour labels it on the panel, on the page and on its tint (badges, counts);
    body text stays readable on the tint too (the current tab's pill)."""
    defined = themes()[theme]
    assert state in defined and f"{state}-bg" in defined, f"--{state}/--{state}-bg in {theme}"
    colours = {**themes()["light"], **defined}
    colour, tint = colours[state], colours[f"{state}-bg"]
    for background in (colours["panel"], colours["bg"], tint):
        assert contrast(colour, background) >= 4.5, (state, colour, background)
    assert contrast(colours["fg"], tint) >= 4.5


@pytest.mark.parametrize("state", STATES)
def test_each_state_class_sets_its_colour_and_tint(state: str) -> None:
    """``.state-<name>`` (tabs, overview cells, state labels) points at the state's pair."""
    rule = re.search(rf"\.state-{state} \{{([^}}]*)\}}", CSS.read_text(encoding="utf-8"))
    assert rule, f".state-{state}"
    assert f"--state: var(--{state});" in rule.group(1)
    assert f"--state-bg: var(--{state}-bg);" in rule.group(1)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_links_and_quiet_text_are_readable(theme: str) -> None:
    colours = {**themes()["light"], **themes()[theme]}
    for background in ("panel", "bg"):
        assert contrast(colours["accent"], colours[background]) >= 4.5
    assert contrast(colours["muted"], colours["bg"]) >= 4.5
    assert contrast(colours["muted"], colours["hover"]) >= 4.5  # the read-only badge
