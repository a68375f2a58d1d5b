"""One row of the sentiment ablation (docs/sentiment.md): train a variant on the IMDB train split
and score it on IMDB validation, whole and cut to one sentence (first, random). Never on the
rotten_tomatoes rows: they are the external test set, scored only by bench_classifier.py.

    python scripts/sentiment_ablation.py NAME '{"embed_dropout": 0.2}'
    python scripts/sentiment_ablation.py old-default '{"keep_contrast": false, "min_freq": 2, "dropout": 0.3}'
    python scripts/sentiment_ablation.py keep-more --keep-stopwords also still

Options are ``TrainConfig`` fields as JSON. ``--keep-stopwords`` keeps these stopwords like the
negations (a patch for this process only); use a fresh INKSIGHT_HOME with it, since the token
cache does not know about it. Prints one JSON row and appends it to ``--log``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name")
    parser.add_argument("options", nargs="?", default="{}", help="TrainConfig fields as JSON")
    parser.add_argument("--keep-stopwords", nargs="+", default=(), metavar="WORD")
    parser.add_argument("--out", type=Path, default=Path("ablation-runs"))
    parser.add_argument("--log", type=Path, default=Path("ablation-runs/rows.jsonl"))
    args = parser.parse_args(argv)
    if args.keep_stopwords:
        import inksight.nlp.preprocess as preprocess

        preprocess.NEGATIONS = frozenset(preprocess.NEGATIONS | set(args.keep_stopwords))

    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.data import first_sentences, load_splits, random_sentences
    from inksight.pipelines.train.fit import evaluate_texts, train_main

    options = json.loads(args.options)
    folder = args.out / args.name
    metrics = train_main(TrainConfig(out=folder, progress=False, test=False, **options))
    classifier = load_classifier(folder)
    val = load_splits()["val"]
    labels = val["label"].tolist()
    views = {
        "first": evaluate_texts(classifier, first_sentences(val)["text"].tolist(), labels),
        "random": evaluate_texts(classifier, random_sentences(val)["text"].tolist(), labels),
    }
    row = {
        "name": args.name,
        "options": options,
        "keep_stopwords": list(args.keep_stopwords),
        "temperature": classifier.model.config.temperature,
        "val": metrics["val"]["accuracy"],
        "val_ece": metrics["val"].get("ece"),
        **{view: found["accuracy"] for view, found in views.items()},
        **{f"{view}_ece": found["ece"] for view, found in views.items()},
        "best_epoch": metrics["best_epoch"],
        "epochs_run": metrics["epochs_run"],
        # Rows compare only within one install: the same seed has trained differently in another.
        "install": metrics["provenance"]["install"],
    }
    print(json.dumps(row))
    args.log.parent.mkdir(parents=True, exist_ok=True)
    with args.log.open("a", encoding="utf-8") as log:
        log.write(json.dumps(row) + "\n")
    return row


if __name__ == "__main__":
    sys.exit(main() and 0)
