"""Helpers for the batch tests: a fast fake OCR engine and scans it can "read".

The fake engine uses the real image reader (so broken files fail exactly as in production) and then,
instead of recognising handwriting, looks up the review whose index is written in the top-left
pixel's red channel. It is importable by name, so worker processes and subprocesses can build it.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from PIL import Image

from nlp.errors import NlpError
from ocr.reader import read_pages_checked
from ocr.synth import EXAMPLE_REVIEWS
from ocr.types import Line, OcrResult
from pipelines.analyze import Pipeline

STEP = 20  # red-channel step between review indices; leaves room for JPEG-free PNG exactness


class FakeEngine:
    name = "fake"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    def read(self, image) -> OcrResult:
        start = time.perf_counter()
        pages, warnings = read_pages_checked(image)
        lines = []
        for number, page in enumerate(pages):
            index = page.getpixel((0, 0))[0] // STEP
            if index < len(EXAMPLE_REVIEWS):
                width, height = page.size
                box = [[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]]
                lines.append(Line(EXAMPLE_REVIEWS[index][0], 0.9, box, page=number))
        if not lines:
            warnings.append("no text was found in the image.")
        time.sleep(self.delay)
        return OcrResult.from_lines(
            lines, engine=self.name, seconds=time.perf_counter() - start, warnings=warnings,
            pages=len(pages),
        )  # fmt: skip


class FakeClassifier:
    """Labels the built-in example reviews by their known label, without loading torch or spaCy
    (a subprocess that is killed and restarted several times starts in a second)."""

    def classify(self, text: str):
        labels = dict(EXAMPLE_REVIEWS)
        if text not in labels:
            raise NlpError("the review is empty.")
        label = "positive" if labels[text] == "pos" else "negative"
        return SimpleNamespace(
            label=label, probability=0.9, top_words=[], tokens=5, known_tokens=5, warnings=[]
        )

    def classify_many(self, texts: list[str]) -> list:
        return [self.classify(text) if text in dict(EXAMPLE_REVIEWS) else None for text in texts]


def fake_pipeline(model_dir: str | Path | None, delay: float = 0.0) -> Pipeline:
    """The fake engine with the tiny model from ``model_dir``, or with ``FakeClassifier``."""
    if model_dir is None:
        return Pipeline(FakeEngine(delay), FakeClassifier())
    from nlp.classifier import load_classifier

    return Pipeline(FakeEngine(delay), load_classifier(model_dir))


def write_scan(path: Path, review: int, size: tuple[int, int] = (24, 16)) -> Path:
    """A tiny PNG the fake engine reads as ``EXAMPLE_REVIEWS[review]`` (an index past the end
    reads as a blank page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (min(review * STEP, 255), 200, 200)).save(path)
    return path
