"""Write docs/benchmarks.md from the benchmarks' JSON results: one section per benchmark.

Usage: ``python scripts/benchmarks_doc.py [--results benchmarks/results] [--out docs/benchmarks.md]``.

Each benchmark writes ``benchmarks/results/NAME.json`` (see ``benchmarks/_common.py``); this script
only reads them, so the page always shows what the last run of each benchmark measured, with the
command that reran it and when. Method and history are written by hand in
``docs/benchmark-history.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_ROWS = 60  # per benchmark: past this the JSON itself is the place to look
SKIP_KEYS = {"benchmark", "machine", "command"}

HEADER = """# Benchmark results

Made by `python scripts/benchmarks_doc.py` from `benchmarks/results/*.json`; do not edit by hand.
Each section is the last run of one benchmark: the command that made it, when, and every figure
it recorded. What the figures mean and how earlier runs went: [benchmark-history.md](benchmark-history.md).
"""


def flatten(value: object, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, printed value) for every scalar leaf of a JSON value, in document order."""
    if isinstance(value, dict):
        rows = []
        for key, item in value.items():
            rows += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        if value and all(not isinstance(item, dict | list) for item in value):
            return [(prefix, ", ".join(_printed(item) for item in value))]
        rows = []
        for index, item in enumerate(value):
            rows += flatten(item, f"{prefix}[{index}]")
        return rows
    return [(prefix, _printed(value))]


def _printed(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def section(path: Path) -> str:
    """The Markdown section for one result file (a sentence, not a traceback, if it is broken)."""
    name = path.stem
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"## {name}\n\n`{path.name}` could not be read ({error}).\n"
    if not isinstance(result, dict):
        return f"## {name}\n\n`{path.name}` does not hold a result object.\n"
    machine = result.get("machine") or {}
    command = result.get("command") or f"python benchmarks/bench_{name}.py"
    lines = [f"## {result.get('benchmark', name)}", "", f"Command: `{command}`"]
    if machine:
        when = machine.get("when", "unknown time")
        lines.append(
            f"Run: {when}, {machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}"
        )
        lines += _install_lines(machine)
    rows = flatten({k: v for k, v in result.items() if k not in SKIP_KEYS})
    lines += ["", "| measure | value |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines.append(
            f"\n{len(rows) - MAX_ROWS} more figures are in `benchmarks/results/{path.name}`."
        )
    return "\n".join(lines) + "\n"


def _install_lines(machine: dict) -> list[str]:
    """The commit and library versions a run used (older results lack them)."""
    libraries = machine.get("libraries") or {}
    found = ", ".join(f"{name} {version}" for name, version in libraries.items() if version)
    lines = [f"Commit: `{machine['commit'][:10]}`"] if machine.get("commit") else []
    if found:
        lines.append(f"Libraries: {found} (install `{machine.get('install', '?')}`)")
    return lines


def render(results: Path) -> str:
    files = sorted(p for p in results.glob("*.json") if p.name != "summary.json")
    if not files:
        return (
            HEADER
            + "\nNo benchmark has been run on this checkout yet: `make bench` runs them all.\n"
        )
    return HEADER + "\n" + "\n".join(section(path) for path in files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    args.out.write_text(render(args.results), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
