"""`inksight batch`: a folder of scans into one results file, resumable, locally or on Ray."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inksight.pipelines.analyze import PipelineConfig
from inksight.pipelines.batch.run import BatchConfig
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="analyse every scan in a folder into one .jsonl/.csv/.parquet (resumable)",
        description="Analyse every image and PDF under FOLDER, one record per file. Run the same "
        "command again after any interruption: files already in --out are skipped "
        "(--retry-failed runs the failed ones again). One batch per --out at a time.",
    )
    parser.add_argument("folder", type=Path, metavar="FOLDER", help="folder of scans")
    parser.add_argument(
        "--out", type=Path, required=True, help="results file: .jsonl, .csv or .parquet"
    )
    add_config_arguments(parser, BatchConfig, skip=("folder", "out"))
    add_config_arguments(parser, PipelineConfig)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=_batch)


def _batch(args: argparse.Namespace) -> int:
    from inksight.pipelines.batch.run import run_batch
    from inksight.pipelines.errors import PipelineError

    if args.folder.is_file():  # one scan is what analyze is for; say so here, in the CLI's words
        raise PipelineError(
            f"{args.folder} is a file; `inksight analyze {args.folder}` reads one scan, "
            "batch a folder of them."
        )
    config = config_from_args(BatchConfig, args)
    summary = run_batch(config, config_from_args(PipelineConfig, args))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    if summary.ignored:
        print(f"not images or PDFs, ignored: {summary.ignored} file(s)", file=sys.stderr)
    if summary.done == 0:
        print(f"nothing to do: all {summary.found} files are already in the results.")
    else:
        retried = f", {summary.retried} of them failed before" if summary.retried else ""
        print(
            f"done {summary.done} (failed {summary.failed}{retried}), skipped as already done "
            f"{summary.skipped}, of {summary.found} files; "
            f"{summary.images_per_minute:.1f} images/minute over {summary.seconds:.1f} s"
        )
    print(f"results: {', '.join(summary.outputs)}")
    return 0
