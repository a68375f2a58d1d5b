"""`inksight analyze`: photos or scans of handwritten reviews to text and sentiment."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inksight.pipelines.analyze import PipelineConfig, ReviewResult
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="read handwritten reviews (images or PDFs) and classify their sentiment",
        description="Read each file with OCR and classify the text. Exits 1 if a file failed.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="images or PDFs; - reads one from standard input"
    )
    add_config_arguments(parser, PipelineConfig)
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from inksight.pipelines.analyze import Pipeline, apply_threads

    config = config_from_args(PipelineConfig, args)
    apply_threads(config)
    pipeline = Pipeline.from_config(config)
    failed = 0
    for path in args.files:
        if path != "-" and Path(path).is_dir():  # what batch is for; "not a file" would puzzle
            result = ReviewResult.failed(
                path, f"{path} is a folder; `inksight batch {path}` reads every scan in it."
            )
        else:
            # "-": the bytes of one image or PDF piped in (the reader tells the kinds apart).
            source = sys.stdin.buffer.read() if path == "-" else path
            result = pipeline.analyze(source, path=path)
        failed += not result.ok
        print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else _readable(result))
    return 1 if failed else 0


def _readable(result: ReviewResult) -> str:
    if not result.ok:
        return f"{result.path}: error: {result.error}"
    verdict = f"{result.label} ({result.probability:.2f})" if result.sentiment else "no sentiment"
    seconds = result.seconds
    lines = [
        f"{result.path}: {verdict}   [{result.engine}, OCR {seconds['ocr']:.2f} s, "
        f"total {seconds['total']:.2f} s]"
    ]
    lines += [f"    | {text}" for text in result.text.splitlines()]
    if result.sentiment and result.sentiment.top_words:
        top = result.sentiment.top_words[:5]
        lines.append("    words: " + ", ".join(f"{w['word']} {w['score']:+.2f}" for w in top))
    lines += [f"    warning: {warning}" for warning in result.warnings]
    return "\n".join(lines)
