"""`inksight predict`: sentiment of typed reviews, with the words that drove it."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify typed reviews as positive or negative",
        description="Classify reviews given as arguments or read from a file: one per line, "
        "JSONL with a 'text' field, or the 'text' column of a .csv or .parquet table (#N is "
        "then the row); '-' reads standard input.",
    )
    parser.add_argument("texts", nargs="*", help="review texts")
    parser.add_argument(
        "--input", help="file with reviews (.txt, .jsonl, .csv, .parquet), or - for standard input"
    )
    parser.add_argument(
        "--model", help="model folder or Hugging Face Hub id user/name (default: the default model)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per review")
    parser.add_argument("--top", type=int, default=5, help="top words shown per review")
    parser.set_defaults(func=_predict)


def _predict(args: argparse.Namespace) -> int:
    from inksight.pipelines.errors import PipelineError
    from inksight.pipelines.predict import ReviewInput, predict_inputs, read_review_inputs
    from inksight.pipelines.train.default_model import load_model

    if bool(args.texts) == bool(args.input):
        raise PipelineError(
            "give review texts as arguments or --input FILE (not both, not neither)."
        )
    inputs = (
        read_review_inputs(args.input)
        if args.input
        else [ReviewInput(i, text=t) for i, t in enumerate(args.texts, start=1)]
    )
    classifier = load_model(args.model)
    records = predict_inputs(classifier, inputs)
    failed = 0
    for record in records:
        if "error" in record:
            failed += 1
        if args.json:
            record = {k: v for k, v in record.items() if k != "line" or "error" in record}
            if "top_words" in record:
                record["top_words"] = record["top_words"][: args.top]
            print(json.dumps(record))
        elif "error" in record:
            print(f"#{record['line']}: error: {record['error']}", file=sys.stderr)
        else:
            words = ", ".join(
                f"{w['word']} {w['score']:+.2f}" for w in record["top_words"][: args.top]
            )
            print(
                f"#{record['line']}: {record['label']} ({record['probability']:.2f})  words: {words}"
            )
            for warning in record["warnings"]:
                print(f"    warning: {warning}")
    return 1 if failed else 0
