"""`inksight lab ...`: the embedding lab as commands.

One sub-parser group. ``report`` has its own options; ``compare``, ``curve`` and ``run`` share
``ExperimentConfig``'s, so each is one row of ``_EXPERIMENTS`` (action, help, handler).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    lab = subparsers.add_parser(
        "lab", help="the embedding lab: report, compare, curve, or the whole lab with run"
    )
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
    from inksight.pipelines.lab.report import lab_report_main
    from inksight.pipelines.train.default_model import ensure_default_model

    # The pictures are coloured by the classifier's leans: the default model, trained on first use.
    model_dir = args.model or ensure_default_model()
    result = lab_report_main(args.out, args.sets, model_dir, args.top)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"wrote {result['markdown']} and {result['html']} in {result['seconds']:.0f} s")
    return 0


# --- lab compare / curve / run (pretrained embeddings, learning curve, the whole lab) --------


def _experiment_parser(actions: argparse._SubParsersAction, name: str, help_text: str):
    from inksight.pipelines.lab.experiments import ExperimentConfig
    from inksight.ui.config_args import add_config_arguments

    parser = actions.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_config_arguments(parser, ExperimentConfig)
    return parser


def _register_experiments(actions: argparse._SubParsersAction) -> None:
    for name, help_text, handler in _EXPERIMENTS:
        _experiment_parser(actions, name, help_text).set_defaults(func=handler)


def _experiment_config(args: argparse.Namespace):
    from inksight.pipelines.extras import require
    from inksight.pipelines.lab.experiments import ExperimentConfig
    from inksight.ui.config_args import config_from_args

    require("lab")  # compare, curve and run: pretrained vectors and plots (report: its imports)
    return config_from_args(ExperimentConfig, args)


def _compare(args: argparse.Namespace) -> int:
    from inksight.pipelines.lab.experiments import CompareRow, compare_main
    from inksight.ui.commands.embeddings import text_table

    result = compare_main(_experiment_config(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = [CompareRow(**row).row() for row in result["rows"]]
    print(text_table(rows))
    print(f"\n{result['reading'].replace('**', '')}\n\nresults in {result['out']}")
    return 0


def _curve(args: argparse.Namespace) -> int:
    from inksight.pipelines.lab.experiments import curve_main
    from inksight.ui.commands.embeddings import text_table

    result = curve_main(_experiment_config(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(text_table(result["table"]))
    print(f"\n{result['reading']}\n\npictures: {result['png']} and {result['html']}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from inksight.pipelines.lab.run import lab_run_main

    result = lab_run_main(_experiment_config(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    readings = result["reading"]
    print(f"{readings['compare'].replace('**', '')}\n\n{readings['curve']}\n")
    print(f"report: {result['markdown']}\n        {result['html']}")
    print(f"the whole lab took {result['seconds']:.0f} s")
    return 0


_EXPERIMENTS = (  # (action, help, handler): each takes ExperimentConfig's options
    (
        "compare",
        "scratch vs GloVe-frozen vs GloVe-fine-tuned vs word2vec-initialised embeddings, under "
        "max/mean/max+mean pooling, same split and seeds: one table (resumable)",
        _compare,
    ),
    (
        "curve",
        "learning curve: test accuracy by training-set size for each variant, several seeds; "
        "PNG + interactive HTML + table + a plain-words reading (resumable)",
        _curve,
    ),
    (
        "run",
        "the whole lab, steps 2-7 (data, training, PCA, similarity and analogies, GloVe tests, "
        "comparison, learning curve), then report.md + report.html (resumable)",
        _run,
    ),
)
_ACTIONS = (_register_report, _register_experiments)
