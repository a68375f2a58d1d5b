"""The trained default model on short reviews, as a user meets it (real IMDB data: slow tier).

Uses the default model in the user's cache when it is there; otherwise trains the default recipe
into a folder of the test's own first (minutes, once per session).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inksight.nlp.classifier import SentimentClassifier, load_classifier
from inksight.nlp.errors import NlpError

pytestmark = pytest.mark.real_assets

LIKELY = 2 / 3


@pytest.fixture(scope="module")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> SentimentClassifier:
    cached = Path(
        os.environ.get("INKSIGHT_TEST_MODEL") or Path.home() / ".cache/inksight/models/default"
    )
    if (cached / "model.safetensors").is_file():
        return load_classifier(cached)
    from inksight.pipelines.train.default_model import ensure_default_model

    # Trained into a folder of this module's own: later tests count on the session's cache
    # holding no default model (a machine without one in the user's cache, as CI's, trains it).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INKSIGHT_MODEL", str(tmp_path_factory.mktemp("default-model")))
        return load_classifier(ensure_default_model(progress=False))


@pytest.mark.parametrize(
    ("review", "label"), [("Loved it!", "positive"), ("Not worth the ticket.", "negative")]
)
def test_short_reviews_get_confident_correct_labels(default_model, review, label):
    verdict = default_model.classify(review)
    assert verdict.label == label
    # "Likely", as a reader takes it: odds of at least 2 to 1 (the IPCC's calibrated-language
    # scale starts "likely" at 66%). The model's probabilities are temperature-calibrated, so
    # this is a claim about how often it is right, not about raw logits; the earlier 0.75 was
    # picked after seeing an uncalibrated 0.77.
    assert verdict.probability >= LIKELY
    assert verdict.warnings == []


@pytest.mark.parametrize(("word", "label"), [("masterpiece", "positive"), ("awful", "negative")])
def test_a_one_word_review_of_a_known_word_is_scored(default_model, word, label):
    verdict = default_model.classify(word)
    assert verdict.label == label and verdict.tokens == verdict.known_tokens == 1
    assert verdict.top_words[0]["word"] == word


def test_gibberish_still_gets_the_few_known_words_warning(default_model):
    verdict = default_model.classify("blorft zyxxq qwertzuiop wonderful florbage snarfle")
    assert any("words are known to the model" in w for w in verdict.warnings)
    with pytest.raises(NlpError, match="none of the review's"):
        default_model.classify("blorft zyxxq qwertzuiop")
