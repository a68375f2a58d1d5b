"""``inksight ocr synth | eval | finetune``: synthetic handwriting, OCR accuracy, TrOCR fine-tuning."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from inksight.pipelines.ocr_jobs import (
    EvalConfig,
    FinetuneConfig,
    SynthConfig,
    eval_main,
    finetune_main,
    synth_main,
)
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    ocr = subparsers.add_parser("ocr", help="Synthetic handwriting, OCR accuracy, fine-tuning.")
    commands = ocr.add_subparsers(dest="ocr_command", metavar="OCR_COMMAND", required=True)

    synth = commands.add_parser(
        "synth", help="Render review text as handwriting, with a truth.jsonl beside the images."
    )
    synth.add_argument("--out", type=Path, required=True, help=_help(SynthConfig, "out"))
    add_config_arguments(synth, SynthConfig, skip=("out",))
    synth.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    synth.set_defaults(func=_synth)

    evaluate = commands.add_parser(
        "eval", help="CER and WER of an OCR engine on a folder with a truth.jsonl."
    )
    evaluate.add_argument("dir", help="Folder written by `inksight ocr synth` (or alike).")
    add_config_arguments(evaluate, EvalConfig, skip=("dir",))
    evaluate.add_argument("--json", action="store_true", help="Print the whole result as JSON.")
    evaluate.set_defaults(func=_eval)

    finetune = commands.add_parser(
        "finetune", help="Fine-tune TrOCR on line images with a truth.jsonl (CER each epoch)."
    )
    for name in ("train", "val", "out"):
        finetune.add_argument(
            f"--{name}", type=Path, required=True, help=_help(FinetuneConfig, name)
        )
    add_config_arguments(finetune, FinetuneConfig, skip=("train", "val", "out"))
    finetune.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    finetune.set_defaults(func=_finetune)


def _help(config_cls: type, name: str) -> str:
    return next(f.metadata["help"] for f in dataclasses.fields(config_cls) if f.name == name)


def _progress(enabled: bool, verb: str):
    from inksight.ui.console import show_progress

    if not enabled or not show_progress():  # --json or -q: results only
        return None

    def report(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f"{verb} {done}/{total}", file=sys.stderr, flush=True)

    return report


def _synth(args: argparse.Namespace) -> int:
    config = config_from_args(SynthConfig, args)
    summary = synth_main(config, progress=_progress(not args.json, "rendered"))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"wrote {summary['images']} images and {summary['truth']}\n"
            f"fonts: {', '.join(summary['fonts'])}\n"
            f"kinds: {', '.join(summary['kinds'])}; styles: {', '.join(summary['styles'])}"
        )
    return 0


def _eval(args: argparse.Namespace) -> int:
    config = config_from_args(EvalConfig, args, dir=args.dir)
    result = eval_main(config, progress=_progress(not args.json, "read"))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"engine: {result['engine']}  (CER/WER ignore case; {result['written']})")
    print(f"{'group':<28}{'images':>7}{'CER':>8}{'WER':>8}{'s/image':>9}")
    rows = [("overall", result["overall"])]
    for section in ("by_kind", "by_style", "by_font"):
        rows += [(f"{section[3:]}={name}", row) for name, row in result[section].items()]
    for name, row in rows:
        print(
            f"{name:<28}{row['images']:>7}{row['cer']:>8.3f}{row['wer']:>8.3f}"
            f"{row['seconds_per_image_median']:>9.2f}"
        )
    return 0


def _finetune(args: argparse.Namespace) -> int:
    from inksight.ui.console import show_progress

    progress = not args.json and show_progress()
    summary = finetune_main(config_from_args(FinetuneConfig, args), progress=progress)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    return 0
