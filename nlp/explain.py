"""Which words of a review pushed the classifier, laid over the text as the user wrote it."""

from __future__ import annotations

import re

from inksight.nlp.errors import NlpError
from inksight.nlp.preprocess import NEGATED, RATING

__all__ = ["word_contributions"]


# A rating ("7/10", "8 out of 10") is one piece, as the model reads it; then words.
_WORDS = re.compile(rf"{RATING.pattern}|[A-Za-z0-9][A-Za-z0-9'’-]*", re.IGNORECASE)


def word_contributions(
    classifier, text: str, max_chars: int | None = None
) -> list[tuple[str, float | None]]:
    """``text`` in pieces, each word with its signed contribution (> 0 pushes towards
    positive), scaled to -1..1; spaces, punctuation and words the model ignores get ``None``.

    Only the part the model reads is split (the first ``max_chars`` characters, by default the
    classifier's own limit): a 10 MB paste would otherwise become millions of pieces. A cut text
    ends with one piece saying how much was left out.

    Args:
        classifier: a ``inksight.nlp.classifier.SentimentClassifier``.
        text: the review as shown to the user.
        max_chars: characters to split and return (default: what the classifier reads).
    """
    limit = max_chars or classifier.preprocessor.config.max_chars
    left_out = len(text) - limit
    if left_out > 0:
        pieces = word_contributions(classifier, text[:limit], limit)
        return [*pieces, (f" … ({left_out:,} more characters, not read)", None)]
    try:
        sentiment = classifier.classify(text, top_k=100_000)
    except NlpError:
        return [(text, None)] if text else []
    scores = {w["word"]: float(w["score"]) for w in sentiment.top_words if " " not in w["word"]}
    largest = max((abs(s) for s in scores.values()), default=0.0) or 1.0
    spans = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    tokens = classifier.preprocessor.tokenize_many([text[a:b] for a, b in spans])
    pieces: list[tuple[str, float | None]] = []
    position = 0
    for (start, end), forms in zip(spans, tokens, strict=True):
        if start > position:
            pieces.append((text[position:start], None))
        score = next((scores[f] for f in _forms(forms) if f in scores), None)
        pieces.append((text[start:end], None if score is None else round(score / largest, 3)))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def _forms(forms: list[str]) -> list[str]:
    """A word's tokens, then the same tokens as a negation tags them (``~worth``): a word cut out
    of its sentence has no negation before it, so a model trained with ``negation_scope`` knows
    it in the text only by its tagged form (the plain form wins where the text has both)."""
    return [*forms, *(NEGATED + f for f in forms)]
