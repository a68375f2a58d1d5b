"""`inksight lab ...`: the embedding lab as commands.

One sub-parser group; each action is a ``_register_<action>(actions)`` function plus a handler, so
later actions (``compare``, ``curve``, ``run``) are added here the same way and listed in
``_ACTIONS``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    lab = subparsers.add_parser("lab", help="the embedding lab: report (more steps to come)")
    actions = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    for add_action in _ACTIONS:
        add_action(actions)


# --- lab report -----------------------------------------------------------------------------


def _register_report(actions: argparse._SubParsersAction) -> None:
    report = actions.add_parser(
        "report",
        help="PCA pictures, cluster measures, neighbours and benchmark as report.md + report.html",
    )
    report.add_argument(
        "--out", type=Path, default=None, metavar="DIR",
        help="folder for report.md, report.html and figures/ (default: the cache's lab/ folder)",
    )  # fmt: skip
    report.add_argument(
        "--sets", nargs="+", default=["model", "word2vec", "glove"], metavar="SET",
        help="embedding sets to include (names or vectors files)",
    )  # fmt: skip
    report.add_argument("--model", type=Path, default=None, metavar="DIR", help="model folder")
    report.add_argument("--top", type=int, default=300, help="most frequent words in each picture")
    report.add_argument("--json", action="store_true", help="print machine-readable JSON")
    report.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from pipelines.lab_report import lab_report_main

    result = lab_report_main(args.out, args.sets, args.model, args.top)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"wrote {result['markdown']} and {result['html']} in {result['seconds']:.0f} s")
    return 0


_ACTIONS = (_register_report,)
