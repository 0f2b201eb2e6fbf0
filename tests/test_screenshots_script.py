"""``scripts/screenshots.py`` remakes the README's pictures from the demo data.

It is run here as a user runs it (a private Redis, the demo seed, the standalone board under
daphne, Chromium), for one picture, so that a change that breaks it fails the suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_script_makes_each_picture_in_both_themes_and_widths(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "scripts/screenshots.py", "--out", str(tmp_path), "--only", "flow"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-3000:]
    made = sorted(path.name for path in tmp_path.iterdir())
    assert made == sorted(f"flow-{w}-{t}.png" for w in (1440, 390) for t in ("dark", "light"))
    for path in tmp_path.iterdir():
        assert path.read_bytes().startswith(PNG)
        assert path.stat().st_size > 10_000  # a drawn page, not a blank one
