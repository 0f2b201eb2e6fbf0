"""Commands in the repository run on any machine: no interpreter or home folder of one machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: An interpreter inside a virtual environment named by an absolute path, or a home folder.
#: ("[v]" so that the pattern does not match its own line.)
MACHINE_PATHS = r"/[A-Za-z0-9_./-]*venv[A-Za-z0-9_.-]*/bin/python|/home/[a-z]+/|/work/[v]env"


def test_no_file_names_a_path_of_one_machine() -> None:
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "-E", MACHINE_PATHS, "--", ".", ":!*package-lock.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1, found.stdout  # 1: git grep found nothing
