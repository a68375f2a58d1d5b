"""Seed step 7 on the real IMDB split: scratch vs pretrained embeddings, and the learning curve.

* ``lab compare``: scratch / GloVe-frozen / GloVe-fine-tuned / word2vec-initialised under max, mean
  and max+mean pooling on the full training split (seed 13; max pooling with every seed);
* ``lab curve``: sizes 250 ... 10k and the full split, 3 seeds each, max pooling;
* a reference that separates pooling from training: logistic regression (scikit-learn, standardised
  features) on max-pooled and on mean-pooled frozen GloVe vectors of the same reviews.

Cells are resumable (``benchmarks/results/lab/cells.jsonl``): an interrupted run continues where it
stopped. Run: ``python benchmarks/bench_lab.py [--quick]``. Writes ``benchmarks/results/lab.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, write_result  # noqa: E402


def frozen_glove_reference(data: Path | None = None) -> dict:
    """Test accuracy of logistic regression on max- and mean-pooled frozen GloVe review vectors
    (the classifier's own features: unigrams + bigrams, the same vocabulary rules)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from inksight.nlp.data import encode_sequences
    from inksight.nlp.preprocess import PreprocessConfig
    from inksight.nlp.vocab import Vocab, add_bigrams
    from inksight.pipelines.embeddings.sets import glove_vectors
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.data import load_splits, tokenized_reviews
    from inksight.pipelines.train.pretrained import build_initial_embeddings

    defaults = TrainConfig()
    splits = load_splits(data)
    tokens = {n: tokenized_reviews(f, PreprocessConfig()) for n, f in splits.items()}
    vocab = Vocab.build(
        (add_bigrams(t[: defaults.max_len]) for t in tokens["train"]),
        min_freq=defaults.min_freq,
        max_size=defaults.max_vocab,
    )
    matrix = build_initial_embeddings(vocab, glove_vectors(), tokens["train"]).matrix
    result = {}
    pooled = {}
    for name in ("train", "test"):
        sequences = encode_sequences(tokens[name], vocab, max_len=defaults.max_len, bigrams=True)
        rows = [
            matrix[s[s > 0]] if (s > 0).any() else np.zeros((1, matrix.shape[1])) for s in sequences
        ]
        pooled[name] = {
            "max": np.stack([r.max(axis=0) for r in rows]),
            "mean": np.stack([r.mean(axis=0) for r in rows]),
        }
    labels = {n: splits[n]["label"].to_numpy() for n in ("train", "test")}
    for pooling in ("max", "mean"):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
        model.fit(pooled["train"][pooling], labels["train"])
        result[pooling] = round(float(model.score(pooled["test"][pooling], labels["test"])), 4)
    return result


def _table(rows: list[dict]) -> str:
    columns = list(rows[0]) if rows else []
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += [
        "  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)) for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick profile (minutes)")
    parser.add_argument("--out", type=Path, default=RESULTS / "lab", help="cells folder")
    parser.add_argument("--skip-reference", action="store_true", help="skip the LR reference")
    args, _ = parser.parse_known_args(argv)

    from inksight.pipelines.lab.experiments import (
        CompareRow,
        ExperimentConfig,
        compare_main,
        curve_main,
    )

    config = ExperimentConfig(out=args.out, quick=args.quick)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    compare = compare_main(config)
    compare_seconds = time.perf_counter() - started
    curve = curve_main(config)
    seconds = time.perf_counter() - started
    result = {
        "profile": "quick" if args.quick else "full",
        "compare": compare,
        "curve": curve,
        "compare_seconds": round(compare_seconds, 1),
        "seconds": round(seconds, 1),
        "load_average": {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)},
    }
    if not args.skip_reference:
        result["frozen_glove_logistic_regression"] = frozen_glove_reference()
    path = write_result("lab", result)

    print(f"\nComparison ({compare['size']} training reviews)")
    print(_table([CompareRow(**row).row() for row in compare["rows"]]))
    print(f"\n{compare['reading']}")
    print("\nLearning curve (mean test accuracy, min-max over seeds)")
    print(_table(curve["table"]))
    print(f"\n{curve['reading']}")
    if "frozen_glove_logistic_regression" in result:
        ref = result["frozen_glove_logistic_regression"]
        print(f"\nLogistic regression on frozen GloVe review vectors: max-pooled {ref['max']:.3f}, "
              f"mean-pooled {ref['mean']:.3f}")  # fmt: skip
    print(f"\n{seconds:.0f} s in all (load average {load_before:.1f} at the start); wrote {path}")
    return result


if __name__ == "__main__":
    main()
