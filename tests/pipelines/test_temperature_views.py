"""scripts/temperature_views.py: the cross-fitted ECE tells a temperature fitted on the wrong
views from one fitted on the right ones (synthetic margins, no model needed)."""

from __future__ import annotations

import numpy as np
from script_loader import load_script


def _view(rng, reviews: int, overconfidence: float, features: int = 30) -> tuple:
    """Labels drawn from sigmoid(m); the model states m * overconfidence; every text pooled
    ``features`` features."""
    honest = rng.normal(0.0, 2.0, reviews)
    labels = (rng.random(reviews) < 1 / (1 + np.exp(-honest))).astype(int)
    return honest * overconfidence, labels, np.full(reviews, features)


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


def test_a_temperature_that_follows_length_calibrates_long_and_short_texts_at_once():
    """Whole reviews (200 features) honest, sentences (8 features) three times too sure: one T
    leaves one of them off; T(n) = T0 * (n / 30)^s serves both."""
    rng = np.random.default_rng(4)
    margins = {"whole": _view(rng, 8000, 1.0, 200), "first": _view(rng, 8000, 3.0, 8)}
    margins["random"] = _view(rng, 8000, 3.0, 8)

    script = load_script("temperature_views")
    views = ("whole", "first", "random")
    one_t = script.cross_fitted_ece(margins, views)
    follows = script.cross_fitted_ece(margins, views, script.length_temperature)

    assert one_t["whole"] > 0.1  # one T splits the difference and misses the honest view
    assert max(follows.values()) < 0.03
    t0, slope = script.fit_length_temperature(
        *(np.concatenate(v) for v in zip(*margins.values(), strict=True))
    )
    # Three times the temperature at 8 features as at 200: s = -ln 3 / ln 25 = -0.34.
    assert -0.45 < slope < -0.25


def test_a_bias_that_follows_length_takes_the_lean_out_of_short_texts():
    """Sentences (8 features) stated one logit too positive, reviews (200) honest: the bias
    fitted on all three views calls sentences right more often and leaves reviews alone."""
    rng = np.random.default_rng(5)
    margins = {"whole": _view(rng, 8000, 1.0, 200)}
    for view in ("first", "random"):
        stated, labels, lengths = _view(rng, 8000, 1.0, 8)
        margins[view] = (stated + 1.0, labels, lengths)

    script = load_script("temperature_views")
    views = ("whole", "first", "random")
    one_t = script.cross_fitted(margins, views)
    biased = script.cross_fitted(margins, views, script.length_bias)

    for view in ("first", "random"):
        assert biased[view]["accuracy"] > one_t[view]["accuracy"] + 0.02
        assert biased[view]["ece"] < one_t[view]["ece"]
    assert abs(biased["whole"]["accuracy"] - one_t["whole"]["accuracy"]) < 0.005
