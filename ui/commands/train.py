"""`inksight train` and `inksight evaluate`."""

from __future__ import annotations

import argparse
import json
import sys

from inksight.pipelines.train.config import TrainConfig
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a sentiment model (Embedding -> max pool -> Linear)",
        description="Train the embedding classifier and write a self-describing model folder.",
    )
    train.add_argument(
        "--default",
        action="store_true",
        help="(re)build the default model in the cache with the default settings",
    )
    train.add_argument("--json", action="store_true", help="print the metrics as JSON")
    add_config_arguments(train, TrainConfig)
    train.add_argument(
        "--finetune", dest="freeze", action="store_false", default=argparse.SUPPRESS,
        help="start from the pretrained vectors and train them (the same as --no-freeze)",
    )  # fmt: skip
    train.add_argument(
        "--from", dest="start_from", default=argparse.SUPPRESS, metavar="MODEL",
        help="continue a model on --data: 'default' or a model folder (the same as --start-from)",
    )  # fmt: skip
    train.add_argument(
        "--push-to-hub", metavar="REPO_ID",
        help="then upload the model folder (with its model card) to this Hugging Face Hub "
        "repository, user/name; needs `hf auth login` or HF_TOKEN",
    )  # fmt: skip
    train.set_defaults(func=_train)

    evaluate = subparsers.add_parser("evaluate", help="score a model on the held-out test split")
    evaluate.add_argument(
        "--model", help="model folder or Hugging Face Hub id user/name (default: the default model)"
    )
    evaluate.add_argument("--data", help="data file or aclImdb folder (default: IMDB)")
    evaluate.add_argument("--split", default="test", choices=["train", "val", "test"])
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(func=_evaluate)


def _train(args: argparse.Namespace) -> int:
    from inksight.pipelines.train.default_model import (
        check_push_target,
        ensure_default_model,
        push_model,
    )
    from inksight.pipelines.train.fit import train_main

    if args.push_to_hub:  # a typo in the id must not cost a training run
        check_push_target(args.push_to_hub)
    if args.default:
        folder = ensure_default_model(rebuild=True, progress=getattr(args, "progress", True))
        metrics = json.loads((folder / "metrics.json").read_text())
    else:
        config = config_from_args(TrainConfig, args)
        if config.embeddings != "scratch":  # pretrained vectors come with the lab extra
            from inksight.pipelines.extras import require

            require("lab", f"--embeddings {config.embeddings}")  # before minutes of tokenizing
        if config.start_from == "default":
            ensure_default_model(progress=config.progress)  # continuing needs it: train it once
        metrics = train_main(config)
        folder = metrics["model_dir"]
    if args.push_to_hub:
        url = push_model(folder, args.push_to_hub)
        print(f"Model pushed to the Hugging Face Hub: {url}", file=sys.stderr)
    if args.json:
        print(json.dumps(metrics))
        return 0
    print(f"Model written to {folder}")
    print(f"  validation accuracy {metrics['val']['accuracy']:.4f}  F1 {metrics['val']['f1']:.4f}")
    if "test" in metrics:
        print(
            f"  test accuracy       {metrics['test']['accuracy']:.4f}  F1 {metrics['test']['f1']:.4f}"
        )
    print(
        f"  best epoch {metrics['best_epoch']} of {metrics['epochs_run']}, "
        f"training {metrics['train_seconds']:.0f} s, vocabulary {metrics['vocab_size']:,} tokens"
    )
    if metrics.get("new_words") is not None:
        print(f"  continued from {args.start_from}: {metrics['new_words']:,} new words added")
        if metrics["best_epoch"] == 0:
            print("  no epoch beat the starting model on your validation reviews; it was kept")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from inksight.pipelines.train.default_model import local_model_folder
    from inksight.pipelines.train.fit import evaluate_model

    metrics = evaluate_model(local_model_folder(args.model), args.data, args.split)
    if args.json:
        print(json.dumps(metrics))
    else:
        (tn, fp), (fn, tp) = metrics["confusion_matrix"]["matrix"]
        print(
            f"{args.split} accuracy {metrics['accuracy']:.4f}  F1 {metrics['f1']:.4f}  (n={metrics['n']})"
        )
        print(f"confusion: true neg -> {tn} neg / {fp} pos; true pos -> {fn} neg / {tp} pos")
        print(f"calibration error (ECE) {metrics['ece']:.4f}  (0 = probabilities are honest)")
    return 0
