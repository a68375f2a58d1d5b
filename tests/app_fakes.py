"""Helpers for the web-app tests: a fast fake OCR engine, tiny scans, a tiny embedding lab.

The fake engine (``fakes.FakeEngine``) uses the real image reader, so a broken upload fails with the
production message, and then "reads" the review whose index is written in the top-left pixel's red
channel instead of recognising handwriting (the real engine is exercised by the browser test).
"""

from __future__ import annotations

from pathlib import Path

from fakes import FakeEngine
from fakes import write_scan as write_shared_scan
from lab_fixtures import write_glove, write_model

from inksight.nlp.classifier import load_classifier
from inksight.pipelines.analyze import Pipeline
from inksight.pipelines.embeddings.explorer import EmbeddingLab

REVIEWS = (
    "A wonderful film with superb acting. Brilliant and delightful.",
    "An awful, boring film. Dreadful acting and a dull plot.",
)
STEP = 40  # red-channel step between review indices


def fake_pipeline(model_dir: str | Path) -> Pipeline:
    engine = FakeEngine(reviews=REVIEWS, step=STEP, confidence=0.93)
    return Pipeline(engine, load_classifier(model_dir))


def write_scan(path: Path, review: int) -> Path:
    """A small PNG the fake engine reads as ``REVIEWS[review]`` (past the end: a blank page)."""
    return write_shared_scan(path, review, size=(60, 30), step=STEP)


def tiny_lab(folder: Path) -> EmbeddingLab:
    """The classifier set and a GloVe file from ``lab_fixtures`` (king - man + woman = queen)."""
    model = write_model(folder / "lab-model")
    glove = write_glove(folder / "glove.txt")
    return EmbeddingLab({"model": "model", "glove": glove}, model_dir=model)


def upload(path: Path, name: str | None = None) -> dict:
    """What gradio hands the app for an uploaded file."""
    return {"path": str(path), "orig_name": name or path.name, "meta": {"_type": "gradio.FileData"}}
