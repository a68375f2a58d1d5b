"""Which validation views should the temperature be fitted on? (docs/sentiment.md, twelfth round)

For each trained model folder: the logit margins on IMDB validation whole, cut to its first
sentence and to a random one; then, two-fold over the reviews (fit T on one half, score on the
other, so no figure is in-sample), the ECE of each view for T fitted on each set of views, and
for a temperature that follows the number of pooled features n, T(n) = T0 * (n / 30)^s (the
nineteenth round). Also how often each view is called positive (a lean a bias could fix). Never
the rotten_tomatoes rows.

    python scripts/temperature_views.py ablation-runs/kept-s13 ablation-runs/kept-s14
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FIT_SETS = (("whole", "first", "random"), ("first", "random"), ("whole",), ("random",))
LENGTH_REF = 30  # features; T(LENGTH_REF) = T0

View = tuple[np.ndarray, np.ndarray, np.ndarray]  # margins, labels, pooled features per text


def view_margins(folder: Path) -> dict[str, View]:
    """Each validation view's (margin before any temperature, label, number of features),
    rows in review order."""
    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.train.calibration import logit_margins
    from inksight.pipelines.train.data import first_sentences, load_splits, random_sentences

    classifier = load_classifier(folder)
    val = load_splits()["val"]
    views = {"whole": val, "first": first_sentences(val), "random": random_sentences(val)}
    found = {}
    for name, frame in views.items():
        sequences = classifier.encode(classifier.preprocessor.tokenize_many(frame["text"].tolist()))
        lengths = np.array([max(len(sequence), 1) for sequence in sequences])
        found[name] = (
            logit_margins(classifier.model, sequences),
            frame["label"].to_numpy(),
            lengths,
        )
    return found


def fit_length_temperature(
    margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray
) -> tuple[float, float]:
    """(T0, s) of T(n) = T0 * (n / LENGTH_REF)^s with the lowest mean cross-entropy, T0 in
    [1/4, 4] and s in [-1, 1], started from the single T (s = 0)."""
    from scipy.optimize import minimize

    from inksight.pipelines.train.calibration import fit_temperature

    signed = np.where(labels == 1, margins, -margins)
    log_length = np.log(lengths / LENGTH_REF)

    def loss(params: np.ndarray) -> float:
        log_t0, slope = params
        return float(np.logaddexp(0.0, -signed * np.exp(-log_t0 - slope * log_length)).mean())

    start = [np.log(fit_temperature(margins, labels)), 0.0]
    bounds = [(np.log(0.25), np.log(4.0)), (-1.0, 1.0)]
    log_t0, slope = minimize(loss, start, method="L-BFGS-B", bounds=bounds).x
    return round(float(np.exp(log_t0)), 3), round(float(slope), 3)


def cross_fitted_ece(margins: dict[str, View], fit_on: tuple, length_aware: bool = False) -> dict:
    """Each view's ECE, averaged over two folds, with T fitted on the other fold's ``fit_on``
    (one T, or T0 and s when ``length_aware``)."""
    from inksight.pipelines.train.calibration import fit_temperature
    from inksight.pipelines.train.fit import expected_calibration_error

    reviews = len(margins["whole"][1])
    first_half = np.random.default_rng(0).permutation(reviews) < reviews // 2
    eces: dict[str, list[float]] = {view: [] for view in margins}
    for fold in (first_half, ~first_half):
        fit_margins, fit_labels, fit_lengths = (
            np.concatenate([margins[v][part][fold] for v in fit_on]) for part in range(3)
        )
        if length_aware:
            t0, slope = fit_length_temperature(fit_margins, fit_labels, fit_lengths)
        else:
            t0, slope = fit_temperature(fit_margins, fit_labels), 0.0
        for view, (margin, labels, lengths) in margins.items():
            temperature = t0 * (lengths[~fold] / LENGTH_REF) ** slope
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
            "positive_rate": {v: round(float((m > 0).mean()), 3) for v, (m, *_) in margins.items()},
            "ece_by_fit_set": {"+".join(s): cross_fitted_ece(margins, s) for s in FIT_SETS},
        }
        rows[folder.name]["ece_by_fit_set"]["whole+first+random, T follows length"] = (
            cross_fitted_ece(margins, FIT_SETS[0], length_aware=True)
        )
        every = [np.concatenate([view[part] for view in margins.values()]) for part in range(3)]
        rows[folder.name]["t0_and_slope_on_all"] = fit_length_temperature(*every)
        print(json.dumps({folder.name: rows[folder.name]}), flush=True)
    return rows


if __name__ == "__main__":
    main()
