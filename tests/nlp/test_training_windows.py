"""Training on windows of reviews: whole reviews stay whole, crops are real pieces of a review."""

from __future__ import annotations

import numpy as np

from inksight.nlp.data import ReviewWindows, encode_parts, encode_sequences
from inksight.nlp.vocab import Vocab
from inksight.pipelines.train.fit import expected_calibration_error

TOKENS = [[f"w{i}" for i in range(n)] for n in (40, 7, 120)]


def _vocab() -> Vocab:
    return Vocab.build(
        [t + [f"{a}_{b}" for a, b in zip(t, t[1:], strict=False)] for t in TOKENS], min_freq=1
    )


def test_whole_reviews_are_served_exactly_as_prediction_encodes_them():
    vocab = _vocab()
    parts = encode_parts(TOKENS, vocab, bigrams=True)
    windows = ReviewWindows(parts, [1, 0, 1], crops_per_review=2, seed=1)
    expected = encode_sequences(TOKENS, vocab, bigrams=True)
    for i in range(3):
        ids, label = windows[i]
        assert ids.tolist() == expected[i].tolist() and label == [1, 0, 1][i]
    assert len(windows) == 9 and len(windows.lengths) == 9


def test_crops_are_contiguous_pieces_with_their_own_bigrams_and_the_review_label():
    vocab = _vocab()
    parts = encode_parts(TOKENS, vocab, bigrams=True)
    windows = ReviewWindows(parts, [1, 0, 1], crops_per_review=1, window=(3, 12), seed=2)
    sizes = []
    for _ in range(50):
        ids, label = windows[5]  # a crop of the 120-token review
        words = [vocab.itos[i] for i in ids]
        unigrams = [w for w in words if "_" not in w]
        positions = [int(w[1:]) for w in unigrams]
        assert positions == list(range(positions[0], positions[0] + len(positions)))
        assert [w for w in words if "_" in w] == [
            f"{a}_{b}" for a, b in zip(unigrams, unigrams[1:], strict=False)
        ]
        assert label == 1
        sizes.append(len(unigrams))
    assert min(sizes) >= 3 and max(sizes) <= 12 and len(set(sizes)) > 3  # varied lengths


def test_token_dropout_drops_some_features_but_never_all():
    vocab = _vocab()
    parts = encode_parts(TOKENS, vocab, bigrams=True)
    windows = ReviewWindows(parts, [1, 0, 1], token_dropout=0.5, seed=3)
    full = len(encode_sequences(TOKENS, vocab, bigrams=True)[2])
    kept = [len(windows[2][0]) for _ in range(20)]
    assert all(0 < k < full for k in kept)
    nearly_all_dropped = ReviewWindows(parts, [1, 0, 1], token_dropout=0.99, seed=3)
    assert all(len(nearly_all_dropped[1][0]) >= 1 for _ in range(20))


def test_calibration_error_is_zero_for_honest_and_large_for_overconfident_probabilities():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20_000)
    honest = (rng.uniform(0, 1, 20_000) < p).astype(int)  # positive with probability p
    assert expected_calibration_error(honest, p) < 0.02
    coin = rng.integers(0, 2, 20_000)
    overconfident = np.where(rng.uniform(0, 1, 20_000) < 0.5, 0.99, 0.01)
    assert expected_calibration_error(coin, overconfident) > 0.4
