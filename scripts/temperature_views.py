"""Which validation views should the temperature be fitted on? (docs/sentiment.md, twelfth round)

For each trained model folder: the logit margins on IMDB validation whole, cut to its first
sentence and to a random one; then, two-fold over the reviews (fit T on one half, score on the
other, so no figure is in-sample), the ECE of each view for T fitted on each set of views; and,
fitted on all three views, each view's ECE and accuracy under one T, under a temperature that
follows the number of pooled features n, T(n) = T0 * (n / 30)^s (the nineteenth round), and
under one T with a bias b0 + b1 * ln(n / 30) (the twentieth). Also how often each view is called
positive. Never the rotten_tomatoes rows.

    python scripts/temperature_views.py ablation-runs/kept-s13 ablation-runs/kept-s14
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

FIT_SETS = (("whole", "first", "random"), ("first", "random"), ("whole",), ("random",))
LENGTH_REF = 30  # features; T(LENGTH_REF) = T0

View = tuple[np.ndarray, np.ndarray, np.ndarray]  # margins, labels, pooled features per text
Calibrator = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (margins, lengths) -> P(positive)


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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _minimize_cross_entropy(
    logits: Callable[[np.ndarray], np.ndarray], labels: np.ndarray, start, bounds
) -> np.ndarray:
    """The parameters w (within ``bounds``) whose ``logits(w)``, one per example, have the
    lowest mean cross-entropy against ``labels``."""
    from scipy.optimize import minimize

    sign = np.where(labels == 1, 1.0, -1.0)

    def loss(params: np.ndarray) -> float:
        return float(np.logaddexp(0.0, -sign * logits(params)).mean())

    return minimize(loss, start, method="L-BFGS-B", bounds=bounds).x


def one_temperature(margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray) -> Calibrator:
    """What ``inksight train`` fits: one T for every text."""
    from inksight.pipelines.train.calibration import fit_temperature

    temperature = fit_temperature(margins, labels)
    return lambda margin, length: _sigmoid(margin / temperature)


def fit_length_temperature(
    margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray
) -> tuple[float, float]:
    """(T0, s) of T(n) = T0 * (n / LENGTH_REF)^s with the lowest mean cross-entropy, T0 in
    [1/4, 4] and s in [-1, 1], started from the single T (s = 0)."""
    from inksight.pipelines.train.calibration import fit_temperature

    log_length = np.log(lengths / LENGTH_REF)
    log_t0, slope = _minimize_cross_entropy(
        lambda w: margins * np.exp(-w[0] - w[1] * log_length),
        labels,
        start=[np.log(fit_temperature(margins, labels)), 0.0],
        bounds=[(np.log(0.25), np.log(4.0)), (-1.0, 1.0)],
    )
    return round(float(np.exp(log_t0)), 3), round(float(slope), 3)


def length_temperature(margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray) -> Calibrator:
    """The nineteenth round: T(n) = T0 * (n / 30)^s."""
    t0, slope = fit_length_temperature(margins, labels, lengths)
    return lambda margin, length: _sigmoid(margin / (t0 * (length / LENGTH_REF) ** slope))


def fit_length_bias(
    margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray
) -> tuple[float, float, float]:
    """(T, b0, b1) of margin / T + b0 + b1 * ln(n / LENGTH_REF) with the lowest mean
    cross-entropy (a logistic regression on [margin, 1, ln(n / 30)]), T in [1/4, 4]."""
    log_length = np.log(lengths / LENGTH_REF)
    inverse_t, b0, b1 = _minimize_cross_entropy(
        lambda w: w[0] * margins + w[1] + w[2] * log_length,
        labels,
        start=[1.0, 0.0, 0.0],
        bounds=[(0.25, 4.0), (None, None), (None, None)],
    )
    return round(1 / float(inverse_t), 3), round(float(b0), 3), round(float(b1), 3)


def length_bias(margins: np.ndarray, labels: np.ndarray, lengths: np.ndarray) -> Calibrator:
    """The twentieth round: one T, and a bias that follows ln(n / 30); changes labels."""
    temperature, b0, b1 = fit_length_bias(margins, labels, lengths)
    return lambda margin, length: _sigmoid(
        margin / temperature + b0 + b1 * np.log(length / LENGTH_REF)
    )


def cross_fitted(
    margins: dict[str, View], fit_on: tuple, fit: Callable[..., Calibrator] = one_temperature
) -> dict[str, dict[str, float]]:
    """Each view's ECE and accuracy, out of fold: two folds over the reviews, the calibration
    ``fit`` on one fold's ``fit_on`` views and scored on the other fold, ECEs averaged."""
    from inksight.pipelines.train.fit import expected_calibration_error

    reviews = len(margins["whole"][1])
    first_half = np.random.default_rng(0).permutation(reviews) < reviews // 2
    eces: dict[str, list[float]] = {view: [] for view in margins}
    right: dict[str, int] = dict.fromkeys(margins, 0)
    for fold in (first_half, ~first_half):
        calibrator = fit(
            *(np.concatenate([margins[v][part][fold] for v in fit_on]) for part in range(3))
        )
        for view, (margin, labels, lengths) in margins.items():
            p_positive = calibrator(margin[~fold], lengths[~fold])
            eces[view].append(expected_calibration_error(labels[~fold], p_positive))
            right[view] += int(((p_positive > 0.5) == (labels[~fold] == 1)).sum())
    return {
        view: {"ece": round(float(np.mean(eces[view])), 4), "accuracy": right[view] / reviews}
        for view in margins
    }


def cross_fitted_ece(
    margins: dict[str, View], fit_on: tuple, fit: Callable[..., Calibrator] = one_temperature
) -> dict[str, float]:
    """Each view's out-of-fold ECE (``cross_fitted``)."""
    return {view: score["ece"] for view, score in cross_fitted(margins, fit_on, fit).items()}


CALIBRATIONS = {
    "one T": one_temperature,
    "T follows length": length_temperature,
    "bias follows length": length_bias,
}


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
            "whole+first+random": {
                name: cross_fitted(margins, FIT_SETS[0], fit) for name, fit in CALIBRATIONS.items()
            },
        }
        every = [np.concatenate([view[part] for view in margins.values()]) for part in range(3)]
        rows[folder.name]["t0_and_slope_on_all"] = fit_length_temperature(*every)
        rows[folder.name]["t_b0_b1_on_all"] = fit_length_bias(*every)
        print(json.dumps({folder.name: rows[folder.name]}), flush=True)
    return rows


if __name__ == "__main__":
    main()
