"""docs/benchmarks.md is made from the benchmarks' JSON results, with each one's command."""

from __future__ import annotations

import json
from pathlib import Path

from script_loader import load_script

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _doc_module():
    return load_script("benchmarks_doc")


def test_every_result_becomes_a_section_with_its_command_and_figures(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "cli_startup.json").write_text(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "command": "python benchmarks/bench_cli_startup.py --runs 5",
                "machine": {"cpus": 2, "python": "3.11.7", "when": "2026-12-04 20:00"},
                "median_seconds": {"help": 0.31234, "neighbours": 0.8},
                "goals": [{"name": "help", "met": True}],
            }
        )
    )
    (results / "broken.json").write_text("{not json")
    out = tmp_path / "benchmarks.md"

    assert _doc_module().main(["--results", str(results), "--out", str(out)]) == 0

    page = out.read_text()
    assert "Command: `python benchmarks/bench_cli_startup.py --runs 5`" in page
    assert "| median_seconds.help | 0.3123 |" in page
    assert "| goals[0].met | True |" in page
    assert "2026-12-04 20:00" in page
    assert "`broken.json` could not be read" in page


def test_no_results_yet_says_how_to_make_them(tmp_path):
    out = tmp_path / "benchmarks.md"
    _doc_module().main(["--results", str(tmp_path), "--out", str(out)])
    assert "make bench" in out.read_text()


def test_a_result_names_the_commit_and_library_versions_that_made_it(tmp_path):
    import sys

    import numpy

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import _common
    finally:
        sys.path.pop(0)
    machine = _common._machine()
    assert machine["libraries"]["numpy"] == numpy.__version__
    assert len(machine["install"]) == 16

    results = tmp_path / "results"
    results.mkdir()
    result = {"benchmark": "classifier", "machine": machine, "accuracy": 0.9}
    (results / "classifier.json").write_text(json.dumps(result))
    out = tmp_path / "benchmarks.md"
    _doc_module().main(["--results", str(results), "--out", str(out)])

    page = out.read_text()
    assert f"numpy {numpy.__version__}" in page and machine["install"] in page
    if machine["commit"]:  # a checkout, not an unpacked copy
        assert machine["commit"][:10] in page
