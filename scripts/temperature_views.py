"""Which validation views should the temperature be fitted on? (docs/sentiment.md, twelfth round)

For each trained model folder: the logit margins on IMDB validation whole, cut to its first
sentence and to a random one; then, two-fold over the reviews (fit T on one half, score on the
other, so no figure is in-sample), the ECE of each view for T fitted on each set of views. Also
how often each view is called positive (a lean a bias could fix). Never the rotten_tomatoes rows.

    python scripts/temperature_views.py ablation-runs/kept-s13 ablation-runs/kept-s14
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FIT_SETS = (("whole", "first", "random"), ("first", "random"), ("whole",), ("random",))


def view_margins(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each validation view's (margin before any temperature, label), rows in review order."""
    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.train.calibration import logit_margins
    from inksight.pipelines.train.data import first_sentences, load_splits, random_sentences

    classifier = load_classifier(folder)
    val = load_splits()["val"]
    views = {"whole": val, "first": first_sentences(val), "random": random_sentences(val)}
    found = {}
    for name, frame in views.items():
        sequences = classifier.encode(classifier.preprocessor.tokenize_many(frame["text"].tolist()))
        found[name] = (logit_margins(classifier.model, sequences), frame["label"].to_numpy())
    return found


def cross_fitted_ece(margins: dict[str, tuple[np.ndarray, np.ndarray]], fit_on: tuple) -> dict:
    """Each view's ECE, averaged over two folds, with T fitted on the other fold's ``fit_on``."""
    from inksight.pipelines.train.calibration import fit_temperature
    from inksight.pipelines.train.fit import expected_calibration_error

    reviews = len(margins["whole"][1])
    first_half = np.random.default_rng(0).permutation(reviews) < reviews // 2
    eces: dict[str, list[float]] = {view: [] for view in margins}
    for fold in (first_half, ~first_half):
        fit_margins = np.concatenate([margins[v][0][fold] for v in fit_on])
        fit_labels = np.concatenate([margins[v][1][fold] for v in fit_on])
        temperature = fit_temperature(fit_margins, fit_labels)
        for view, (margin, labels) in margins.items():
            p_positive = 1 / (1 + np.exp(-margin[~fold] / temperature))
            eces[view].append(expected_calibration_error(labels[~fold], p_positive))
    return {view: round(float(np.mean(values)), 4) for view, values in eces.items()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path, help="model folders (inksight train --out)")
    args = parser.parse_args(argv)
    rows = {}
    for folder in args.models:
        margins = view_margins(folder)
        rows[folder.name] = {
            "positive_rate": {v: round(float((m > 0).mean()), 3) for v, (m, _) in margins.items()},
            "ece_by_fit_set": {"+".join(s): cross_fitted_ece(margins, s) for s in FIT_SETS},
        }
        print(json.dumps({folder.name: rows[folder.name]}), flush=True)
    return rows


if __name__ == "__main__":
    main()
