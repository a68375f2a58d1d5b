"""Temperature scaling: one scalar on the logits, fitted on validation reviews after training.

The max-pooled model is over-confident on short text (a sentence wins few pooled dimensions, yet
the Linear layer was fitted to whole reviews). Dividing the logits by a temperature T > 1 makes
the stated probabilities honest without changing any label. T is fitted on the validation
reviews whole *and* cut to one sentence (first and random), because handwritten reviews are short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from inksight.nlp.data import batch_logits, encode_sequences
from inksight.nlp.model import EmbeddingClassifier
from inksight.nlp.vocab import Vocab

__all__ = ["MIN_EXAMPLES", "calibrate", "fit_temperature", "logit_margins"]

# 200 validation reviews in their three views. With fewer, T follows a few reviews: 40 first
# sentences of a continued model gave T = 0.6 (sharper, where every larger set asks for T > 1).
MIN_EXAMPLES = 600
_GRID = np.exp(np.linspace(np.log(0.25), np.log(4.0), 241))  # 1.2% steps, T in [1/4, 4]


def logit_margins(model: EmbeddingClassifier, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """The positive-minus-negative logit of each sequence, before any temperature."""
    logits = batch_logits(model, sequences) * model.config.temperature
    return (logits[:, 1] - logits[:, 0]).numpy()


def fit_temperature(margins: np.ndarray, labels: np.ndarray) -> float | None:
    """The T in [1/4, 4] with the lowest mean cross-entropy of ``sigmoid(margin / T)``; None
    with fewer than ``MIN_EXAMPLES`` examples (too few to fit even one number)."""
    margins, labels = np.asarray(margins, dtype=float), np.asarray(labels)
    if len(labels) < MIN_EXAMPLES:
        return None
    signed = np.where(labels == 1, margins, -margins)
    losses = [np.logaddexp(0.0, -signed / t).mean() for t in _GRID]  # stable -log sigmoid
    return round(float(_GRID[int(np.argmin(losses))]), 3)


def calibrate(
    model: EmbeddingClassifier,
    token_lists: Sequence[Sequence[str]],
    labels: np.ndarray,
    encode: dict[str, Vocab | int | bool],
) -> float:
    """Fit the temperature on these token lists and set it on ``model``; returns the model's
    temperature (unchanged when there are too few examples: 1, or a continued model's own)."""
    sequences = encode_sequences(token_lists, **encode)
    temperature = fit_temperature(logit_margins(model, sequences), labels)
    if temperature is not None:
        model.config = replace(model.config, temperature=temperature)
    return model.config.temperature
