"""Small helpers every benchmark uses: timing, JSON results, a printed table."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from inksight.pipelines.install import git_commit, install_fingerprint, library_versions

RESULTS = Path(__file__).resolve().parent / "results"
# The libraries whose versions move the figures; a fresh install resolves unpinned ones anew,
# and the same code and seed has trained a different model after that (docs/sentiment.md).
LIBRARIES = (
    "torch", "pytorch-lightning", "numpy", "spacy", "scikit-learn", "pandas", "gensim",
    "rapidocr", "onnxruntime", "opencv-python-headless", "pillow", "transformers",
)  # fmt: skip


def median_seconds(fn: Callable[[], object], repeat: int = 20, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "command": _command(), "machine": _machine(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def print_table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of (measure, value, target, verdict)."""
    print(f"\n{title}")
    widths = [
        max(len(r[i]) for r in [("measure", "value", "target", "met"), *rows]) for i in range(4)
    ]
    for row in [("measure", "value", "target", "met"), *rows]:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def verdict(ok: bool) -> str:
    return "yes" if ok else "NOT MET"


def _command() -> str:
    """The command line that ran this benchmark, as a reader would retype it."""
    import sys

    script = Path(sys.argv[0])
    return " ".join(["python", f"benchmarks/{script.name}", *sys.argv[1:]])


def _machine() -> dict:
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "commit": git_commit(),
        "libraries": library_versions(LIBRARIES),
        "install": install_fingerprint(),
    }
