"""`inksight analyze`: photos or scans of handwritten reviews to text and sentiment."""

from __future__ import annotations

import argparse
import json

from inksight.pipelines.analyze import PipelineConfig
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="read handwritten reviews (images or PDFs) and classify their sentiment",
        description="Read each file with OCR and classify the text. Exits 1 if a file failed.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="images or PDFs")
    add_config_arguments(parser, PipelineConfig)
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from inksight.pipelines.analyze import Pipeline

    pipeline = Pipeline.from_config(config_from_args(PipelineConfig, args))
    failed = 0
    for path in args.files:
        result = pipeline.analyze(path, path=path)
        failed += not result.ok
        record = result.to_dict()
        print(json.dumps(record, ensure_ascii=False) if args.json else _readable(record))
    return 1 if failed else 0


def _readable(record: dict) -> str:
    if record["error"]:
        return f"{record['path']}: error: {record['error']}"
    sentiment = record["sentiment"]
    verdict = (
        f"{sentiment['label']} ({sentiment['probability']:.2f})" if sentiment else "no sentiment"
    )
    seconds = record["seconds"]
    lines = [
        f"{record['path']}: {verdict}   [{record['engine']}, OCR {seconds['ocr']:.2f} s, "
        f"total {seconds['total']:.2f} s]"
    ]
    lines += [f"    | {text}" for text in record["text"].splitlines()]
    if sentiment and sentiment["top_words"]:
        words = ", ".join(f"{w['word']} {w['score']:+.2f}" for w in sentiment["top_words"][:5])
        lines.append(f"    words: {words}")
    lines += [f"    warning: {warning}" for warning in record["warnings"]]
    return "\n".join(lines)
