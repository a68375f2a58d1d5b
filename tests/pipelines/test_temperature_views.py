"""scripts/temperature_views.py: the cross-fitted ECE tells a temperature fitted on the wrong
views from one fitted on the right ones (synthetic margins, no model needed)."""

from __future__ import annotations

import numpy as np
from script_loader import load_script


def _view(rng, reviews: int, overconfidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from sigmoid(m); the model states m * overconfidence."""
    honest = rng.normal(0.0, 2.0, reviews)
    labels = (rng.random(reviews) < 1 / (1 + np.exp(-honest))).astype(int)
    return honest * overconfidence, labels


def test_fitting_on_the_short_views_calibrates_them_and_not_the_whole_reviews():
    rng = np.random.default_rng(3)
    margins = {"whole": _view(rng, 4000, 1.0), "first": _view(rng, 4000, 3.0)}
    margins["random"] = margins["first"]

    script = load_script("temperature_views")
    on_whole = script.cross_fitted_ece(margins, ("whole",))
    on_short = script.cross_fitted_ece(margins, ("first", "random"))

    assert on_whole["whole"] < 0.03 and on_short["first"] < 0.03
    assert on_whole["first"] > 2 * on_short["first"]
    assert on_short["whole"] > 2 * on_whole["whole"]
