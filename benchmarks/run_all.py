"""`make bench`: run every benchmarks/bench_*.py and print one summary table of their verdicts."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    only = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    sys.path.insert(0, str(HERE))
    summary = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"\n=== {path.name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        started = time.perf_counter()
        try:
            module.main(flags)
            status = "ok"
        except Exception as error:  # noqa: BLE001 - one failing benchmark must not hide the others
            status = f"failed: {error}"
        summary.append((path.stem, status, round(time.perf_counter() - started)))
    print("\nSummary (results in benchmarks/results/*.json)")
    for name, status, seconds in summary:
        print(f"  {name:28s} {seconds:6d} s  {status}")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "summary.json").write_text(json.dumps(summary, indent=2))
    return 0 if all(s == "ok" for _, s, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
