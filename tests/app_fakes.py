"""Helpers for the web-app tests: a fast fake OCR engine, tiny scans, a tiny embedding lab.

The fake engine uses the real image reader, so a broken upload fails with the production message,
and then "reads" the review whose index is written in the top-left pixel's red channel instead of
recognising handwriting (the real engine is exercised by the browser test).
"""

from __future__ import annotations

import time
from pathlib import Path

from lab_fixtures import write_glove, write_model
from PIL import Image

from nlp.classifier import load_classifier
from ocr.reader import read_pages_checked
from ocr.types import Line, OcrResult
from pipelines.analyze import Pipeline
from pipelines.app_support import EmbeddingLab

REVIEWS = (
    "A wonderful film with superb acting. Brilliant and delightful.",
    "An awful, boring film. Dreadful acting and a dull plot.",
)
STEP = 40  # red-channel step between review indices


class FakeEngine:
    name = "fake"

    def read(self, image) -> OcrResult:
        start = time.perf_counter()
        pages, warnings = read_pages_checked(image)
        lines = []
        for number, page in enumerate(pages):
            index = page.getpixel((0, 0))[0] // STEP
            if index < len(REVIEWS):
                width, height = page.size
                box = [
                    [2.0, 2.0],
                    [width - 2.0, 2.0],
                    [width - 2.0, height - 2.0],
                    [2.0, height - 2.0],
                ]
                lines.append(Line(REVIEWS[index], 0.93, box, page=number))
        if not lines:
            warnings.append("no text was found in the image.")
        return OcrResult.from_lines(
            lines, engine=self.name, seconds=time.perf_counter() - start, warnings=warnings,
            pages=len(pages),
        )  # fmt: skip


def fake_pipeline(model_dir: str | Path) -> Pipeline:
    return Pipeline(FakeEngine(), load_classifier(model_dir))


def write_scan(path: Path, review: int) -> Path:
    """A small PNG the fake engine reads as ``REVIEWS[review]`` (past the end: a blank page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (60, 30), (min(review * STEP, 255), 230, 230)).save(path)
    return path


def tiny_lab(folder: Path) -> EmbeddingLab:
    """The classifier set and a GloVe file from ``lab_fixtures`` (king - man + woman = queen)."""
    model = write_model(folder / "lab-model")
    glove = write_glove(folder / "glove.txt")
    return EmbeddingLab({"model": "model", "glove": glove}, model_dir=model)
