"""A fast fake OCR engine and scans it can "read", shared by the batch and web-app tests.

The fake engine uses the real image reader (so broken files fail exactly as in production) and then,
instead of recognising handwriting, looks up the review whose index is written in the top-left
pixel's red channel. It is importable by name, so worker processes and subprocesses can build it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from inksight.ocr.reader import read_pages_checked
from inksight.ocr.synth import EXAMPLE_REVIEWS
from inksight.ocr.types import NO_TEXT, Line, OcrResult

STEP = 20  # red-channel step between review indices (PNG keeps it exact)
EXAMPLE_TEXTS = tuple(text for text, _ in EXAMPLE_REVIEWS)


class FakeEngine:
    """Reads ``reviews[red // step]`` from each page; an index past the end is a blank page."""

    name = "fake"

    def __init__(
        self,
        delay: float = 0.0,
        *,
        reviews: Sequence[str] = EXAMPLE_TEXTS,
        step: int = STEP,
        confidence: float = 0.9,
    ) -> None:
        self.delay = delay
        self.reviews = tuple(reviews)
        self.step = step
        self.confidence = confidence

    def read(self, image) -> OcrResult:
        start = time.perf_counter()
        pages, warnings = read_pages_checked(image)
        lines = []
        for number, page in enumerate(pages):
            index = page.getpixel((0, 0))[0] // self.step
            if index < len(self.reviews):
                width, height = page.size
                left, top, right, bottom = 2.0, 2.0, width - 2.0, height - 2.0  # inside the page
                box = [[left, top], [right, top], [right, bottom], [left, bottom]]
                lines.append(Line(self.reviews[index], self.confidence, box, page=number))
        if not lines:
            warnings.append(NO_TEXT)
        time.sleep(self.delay)
        return OcrResult.from_lines(
            lines, engine=self.name, seconds=time.perf_counter() - start, warnings=warnings,
            pages=len(pages),
        )  # fmt: skip


def write_scan(path: Path, review: int, size: tuple[int, int] = (24, 16), step: int = STEP) -> Path:
    """A tiny PNG a ``FakeEngine(step=step)`` reads as review number ``review``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (min(review * step, 255), 200, 200)).save(path)
    return path
