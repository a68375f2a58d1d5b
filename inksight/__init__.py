"""Inksight: handwritten movie reviews to text and sentiment, and a lab for word embeddings.

The installed package is one name with four parts, each a folder at the repository's top:
``inksight.ocr`` (reading handwriting), ``inksight.nlp`` (cleaning, the classifier, word vectors),
``inksight.pipelines`` (what composes them: analysis, training, batch, the lab) and ``inksight.ui``
(the command line and the web app). Dependencies point ``ui -> pipelines -> {ocr, nlp}``.

The calls a notebook wants are here; each loads its models on first use and keeps them::

    import inksight
    inksight.classify("A warm, funny film.").label       # 'positive'
    inksight.read("review.jpg").text                     # the handwriting, as text
    inksight.analyze("review.jpg").to_dict()             # text + sentiment + warnings
    inksight.neighbours("good", vectors="glove")         # nearest words in GloVe
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing inksight stays instant: torch, spaCy and OCR load on first call
    from inksight.nlp.classifier import Sentiment, SentimentClassifier
    from inksight.nlp.vectors.word_vectors import NeighboursResult, WordVectors
    from inksight.ocr.types import OcrResult
    from inksight.pipelines.analyze import Pipeline
    from inksight.pipelines.record import ReviewResult

__version__ = "0.2.0"
__all__ = ["__version__", "analyze", "classify", "neighbours", "read"]


def read(image: Any, engine: str = "auto") -> OcrResult:
    """The handwriting in one image or PDF (a path, bytes, or a PIL image) as text and lines."""
    return _engine(engine).read(image)


def classify(text: str, model: str | Path | None = None) -> Sentiment:
    """The sentiment of a typed review, with the words that drove it (default model if none)."""
    return _classifier(str(model) if model else None).classify(text)


def analyze(image: Any, engine: str = "auto", model: str | Path | None = None) -> ReviewResult:
    """Read one image or PDF and classify its text: the record ``inksight analyze`` prints."""
    return _pipeline(engine, str(model) if model else None).analyze(image)


def neighbours(word: str, topn: int = 10, vectors: str | Path = "glove") -> NeighboursResult:
    """The ``topn`` nearest words to ``word`` in an embedding set ("glove", "model", a file...)."""
    return _vectors(str(vectors)).most_similar(word, topn=topn)


@cache
def _engine(name: str):
    from inksight.pipelines.ocr_jobs import build_ocr_engine

    return build_ocr_engine(name)


@cache
def _classifier(model: str | None) -> SentimentClassifier:
    from inksight.pipelines.train.default_model import load_model

    return load_model(model)


@cache
def _pipeline(engine: str, model: str | None) -> Pipeline:
    from inksight.pipelines.analyze import Pipeline

    return Pipeline(_engine(engine), _classifier(model))


@cache
def _vectors(name: str) -> WordVectors:
    from inksight.pipelines.embeddings.sets import open_vectors

    if name == "model":  # like classify(): the default model is trained on first use
        from inksight.pipelines.train.default_model import ensure_default_model

        return open_vectors(name, ensure_default_model())
    return open_vectors(name)
