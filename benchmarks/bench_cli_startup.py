"""How long quick commands take as whole processes: start-up, imports, the answer, exit.

Targets: `inksight --help` <= 0.5 s; `inksight neighbours good --vectors glove` and
`inksight similarity good great --vectors glove` <= 1 s (medians of 5 runs). `python -c pass`
runs in the same benchmark as the reference for this machine's speed (and its load at the time).
The GloVe cache is built once before timing (the first GloVe command converts the shipped set).
Run: .venv/bin/python benchmarks/bench_cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import print_table, verdict, write_result  # noqa: E402

# (label, arguments after the interpreter, target seconds or None for the reference)
COMMANDS = (
    ("python -c pass", ["-c", "pass"], None),
    ("inksight --help", ["-m", "inksight", "--help"], 0.5),
    ("inksight neighbours good --vectors glove",
     ["-m", "inksight", "neighbours", "good", "--vectors", "glove"], 1.0),
    ("inksight similarity good great --vectors glove",
     ["-m", "inksight", "similarity", "good", "great", "--vectors", "glove"], 1.0),
)  # fmt: skip


def _seconds(args: list[str]) -> float:
    """Wall time of one whole process, from spawn to exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    runs = parser.parse_known_args(argv)[0].runs  # make bench passes its flags to every one
    _seconds(COMMANDS[2][1])  # warm-up: builds the GloVe cache on a first run, fills the OS cache
    timings = {label: [_seconds(args) for _ in range(runs)] for label, args, _ in COMMANDS}
    medians = {label: statistics.median(times) for label, times in timings.items()}
    result = {
        "runs": runs,
        "median_s": {label: round(m, 3) for label, m in medians.items()},
        "all_s": {label: [round(t, 3) for t in times] for label, times in timings.items()},
        "targets_s": {label: target for label, _, target in COMMANDS if target is not None},
        "met": {
            label: medians[label] <= target for label, _, target in COMMANDS if target is not None
        },
    }
    write_result("cli_startup", result)
    rows = [
        (label, f"{medians[label]:.2f} s", f"<= {target} s" if target else "reference",
         verdict(medians[label] <= target) if target else "")
        for label, _, target in COMMANDS
    ]  # fmt: skip
    print_table(f"Whole-process wall time, median of {runs} runs", rows)
    return result


if __name__ == "__main__":
    main()
