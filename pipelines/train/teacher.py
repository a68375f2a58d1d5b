"""A second opinion to learn from: TF-IDF + logistic regression, out of fold (distillation).

On IMDB validation the default model and a TF-IDF 1-2-gram logistic regression disagree usefully:
their mean probability is right more often than either, on whole reviews and on single
sentences alike. ``inksight train --teacher tfidf`` lets the model learn from that second opinion
(knowledge distillation): each training review's target is a mix of its label and the
teacher's probability. The teacher's probabilities are out of fold (each review scored by a
teacher that never saw it), or they would only repeat the labels. The teacher is used in
training only; the model that is saved is the seed architecture alone. Measured on IMDB
validation it lost on whole reviews and on sentences (docs/sentiment.md), so the default recipe
does not use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inksight.nlp.preprocess import clean_text

__all__ = ["TEACHER_C", "out_of_fold_probabilities", "tfidf_logreg", "tfidf_vectorizer"]

TEACHER_C = 8.0  # the C the benchmark's baseline chooses on IMDB validation


def tfidf_vectorizer(**options):
    """The TF-IDF features of the benchmark's baseline and of the teacher: word 1-2-grams seen
    in 2 reviews or more, at most 200,000, sublinear term frequency; ``options`` add to them."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True, **options
    )


def tfidf_logreg(texts: Sequence[str], labels: Sequence[int], c: float = TEACHER_C):
    """TF-IDF of word 1-2-grams (raw text, HTML stripped) -> logistic regression, fitted."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = tfidf_vectorizer(preprocessor=clean_text)
    model = make_pipeline(vectorizer, LogisticRegression(C=c, max_iter=2000))
    return model.fit(list(texts), np.asarray(labels))


def out_of_fold_probabilities(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 2, seed: int = 13
) -> np.ndarray:
    """P(positive) for each text from a teacher fitted on the other folds (stratified)."""
    labels = np.asarray(labels)
    fold = np.empty(len(labels), dtype=int)
    rng = np.random.default_rng(seed)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        fold[members] = np.arange(len(members)) % folds
    p_positive = np.empty(len(labels), dtype=np.float32)
    texts = np.asarray(texts, dtype=object)
    for k in range(folds):
        held = fold == k
        if held.all() or len(np.unique(labels[~held])) < 2:
            p_positive[held] = labels[held]  # too little data for a teacher: the labels stand
            continue
        teacher = tfidf_logreg(list(texts[~held]), labels[~held])
        p_positive[held] = teacher.predict_proba(list(texts[held]))[:, 1]
    return p_positive
