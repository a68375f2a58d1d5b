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
from dataclasses import dataclass

import numpy as np

from inksight.nlp.preprocess import clean_text

__all__ = [
    "TEACHER_C",
    "WindowTeacher",
    "out_of_fold_probabilities",
    "tfidf_logreg",
    "tfidf_vectorizer",
]

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


def _folds(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Each review's fold, stratified by label."""
    fold = np.empty(len(labels), dtype=int)
    rng = np.random.default_rng(seed)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        fold[members] = np.arange(len(members)) % folds
    return fold


def out_of_fold_probabilities(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 2, seed: int = 13
) -> np.ndarray:
    """P(positive) for each text from a teacher fitted on the other folds (stratified)."""
    labels = np.asarray(labels)
    fold = _folds(labels, folds, seed)
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


@dataclass(frozen=True)
class WindowTeacher:
    """A teacher for the training windows (``--teacher windows``): TF-IDF + logistic regression
    on the model's own token ids (unigrams and bigrams), fitted out of fold on whole training
    reviews, that scores any window of a training review with a teacher that never saw it.

    A window keeps its review's label, yet a random sentence of a good review is often neutral
    or even negative; the teacher says how positive the window itself reads. Features are each
    id present, weighted by its idf and L2-normalised, so scoring a window is a few lookups.
    """

    fold: np.ndarray  # each training review's fold: scored by the teacher of that fold
    weights: np.ndarray  # [folds, vocabulary]: each teacher's coefficient times the idf
    idf: np.ndarray  # [vocabulary]
    intercepts: np.ndarray  # [folds]

    @classmethod
    def fit(
        cls,
        reviews: Sequence[np.ndarray],
        labels: Sequence[int],
        vocab_size: int,
        *,
        folds: int = 2,
        seed: int = 13,
    ) -> WindowTeacher:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        labels = np.asarray(labels)
        present = [np.unique(ids[ids > 0]) for ids in reviews]
        counts = np.bincount(np.concatenate(present), minlength=vocab_size)
        idf = (np.log((1 + len(present)) / (1 + counts)) + 1).astype(np.float32)
        values = [idf[ids] / max(float(np.linalg.norm(idf[ids])), 1e-9) for ids in present]
        rows = np.repeat(np.arange(len(present)), [len(ids) for ids in present])
        features = csr_matrix(
            (np.concatenate(values), (rows, np.concatenate(present))),
            shape=(len(present), vocab_size),
        )
        fold = _folds(labels, folds, seed)
        weights = np.zeros((folds, vocab_size), dtype=np.float32)
        intercepts = np.zeros(folds, dtype=np.float32)
        for k in range(folds):
            seen = fold != k
            teacher = LogisticRegression(C=TEACHER_C, max_iter=2000)
            teacher.fit(features[seen], labels[seen])
            weights[k] = teacher.coef_[0] * idf
            intercepts[k] = teacher.intercept_[0]
        return cls(fold, weights, idf, intercepts)

    def probability(self, review: int, ids: np.ndarray) -> float:
        """P(positive) of ``ids`` (a window of training review ``review``), out of fold."""
        present = np.unique(ids[ids > 0])
        norm = max(float(np.linalg.norm(self.idf[present])), 1e-9)
        k = self.fold[review]
        logit = self.intercepts[k] + float(self.weights[k, present].sum()) / norm
        return float(1.0 / (1.0 + np.exp(-logit)))
