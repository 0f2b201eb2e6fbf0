"""Check every benchmark target against the committed results, and exit non-zero when one is
missed, so that the next change can be checked against them.

Each benchmark writes its ``bench/results/<name>.md`` with its targets marked **met** or
**not met** (on the target's own line or in a table's last column), and where it compares
more than its target, a verdict line of its own ("Target: **met**"), which then decides.
This script reads those marks; with ``--run`` it first re-runs the named benchmarks
(``bench/<name>.py``, with the same interpreter), which rewrite their results, then reads
them.

    python bench/check_targets.py                      # the committed results
    python bench/check_targets.py --run views_vs_bull_board ten_thousand_queues
    python bench/check_targets.py --only cold_start live

Exit status: 0 when every target found is met, 1 when one is missed, 2 when no target was
found (a results file without marks, or a name that has none).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
#: A target's verdict as the benchmarks write it.
MISSED = re.compile(r"\*\*not met\*\*|\bNOT met\b", re.IGNORECASE)
MET = re.compile(r"\*\*met\*\*|[—:]\s+met\b|\|\s*met\s*\|")
#: A file's own verdict ("Target: **met**", "All targets: **not met**", "Overall: …"): where a
#: file has one, it decides, and the lines above it (comparisons shown for reference) do not.
SUMMARY = re.compile(r"^[-\s]*(Target|All targets|Overall)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    results: str
    line: str
    met: bool


def verdicts(path: Path) -> list[Verdict]:
    """The file's own verdicts when it states them, else every marked line; a line that says
    both (one case met, another not) counts as missed."""
    found: list[Verdict] = []
    summaries: list[Verdict] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if MISSED.search(line):
            verdict = Verdict(path.stem, line, met=False)
        elif MET.search(line):
            verdict = Verdict(path.stem, line, met=True)
        else:
            continue
        (summaries if SUMMARY.match(line) else found).append(verdict)
    return summaries or found


def rerun(names: list[str]) -> None:
    for name in names:
        script = BENCH / f"{name}.py"
        if not script.is_file():
            raise SystemExit(f"no benchmark bench/{name}.py")
        print(f"running bench/{name}.py ...", flush=True)
        subprocess.run([sys.executable, str(script)], check=True, cwd=BENCH.parent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", nargs="*", default=[], metavar="NAME", help="re-run these first")
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME", help="check only these")
    args = parser.parse_args()
    rerun(args.run)
    names = args.only or args.run or sorted(p.stem for p in RESULTS.glob("*.md"))
    found: list[Verdict] = []
    for name in names:
        path = RESULTS / f"{name}.md"
        if not path.is_file():
            print(f"{name}: no results file (bench/results/{name}.md)")
            continue
        found += verdicts(path)
    for verdict in found:
        mark = "met    " if verdict.met else "NOT MET"
        text = verdict.line if len(verdict.line) <= 160 else verdict.line[:159] + "\u2026"
        print(f"{mark}  {verdict.results}: {text}")
    missed = [v for v in found if not v.met]
    print(f"\n{len(found) - len(missed)} targets met, {len(missed)} missed.")
    if not found:
        return 2
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
