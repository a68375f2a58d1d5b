"""The web app's limits, named once: what one request may cost the server, and the sentence a
visitor gets when a request passes one.

Every request is bounded before the work starts: the upload's size (gradio refuses more), the pages
of a document read (the rest are never rendered) and the seconds spent reading it, the pixels of a page and of a document (checked
from the file's header, see ``inksight.ocr.reader``), the characters of a typed review read and
shown, and the files and bytes a batch unpacks. Text, image and batch requests wait in separate
queues, so a long PDF never holds up a typed review.
"""

from __future__ import annotations

import os

from inksight.pipelines.errors import PipelineError
from inksight.pipelines.uploads import (
    MAX_DOCUMENT_PIXELS,
    MAX_PIXELS,
    MAX_UNPACKED_BYTES,
    MAX_UNPACKED_FILES,
)

__all__ = [
    "BUSY_MESSAGE",
    "CONCURRENCY",
    "MAX_DOCUMENT_PIXELS",
    "MAX_PAGES",
    "MAX_PIXELS",
    "MAX_READ_SECONDS",
    "MAX_TEXT_CHARS",
    "MAX_UNPACKED_BYTES",
    "MAX_UNPACKED_FILES",
    "MAX_UPLOAD_MB",
    "concurrency_limits",
    "text_cut_warning",
]

MAX_UPLOAD_MB = 20  # per file; a phone photo at normal quality is 2 to 6 MB
MAX_PAGES = 20  # per document, unless `inksight demo --max-pages N` says otherwise
# Reading one document: once this many seconds have passed, no further page is started (the
# first always is). 20 blank pages take 8 s of OCR on 2 cores; a request should answer in 5.
MAX_READ_SECONDS = 3.0
MAX_TEXT_CHARS = 20_000  # what the sentiment model reads of a review; the rest is not shown either
# Requests run at once per queue. One OCR run already uses every core (a second in parallel only
# slows both, and starves typed text: measured p95 5.8 s vs 3.3-3.6 s for 30 texts beside 10 images
# and a long PDF); typed text is quick, so a few run beside it and never wait behind a PDF.
# ``concurrency_limits`` scales this with the machine; CONCURRENCY is its value on a small one.
CONCURRENCY = {"text": 4, "image": 1, "batch": 1}
MIN_TEXT_CONCURRENCY = 4
# What a visitor is told when every queue is full (``inksight demo --max-queue N``).
BUSY_MESSAGE = "The app is busy; try again in a minute."


def concurrency_limits(
    text: int | None = None, *, cpus: int | None = None, threads: int | None = None
) -> dict[str, int]:
    """Requests run at once per queue on this machine.

    Args:
        text: typed reviews and the quick word-lab steps (``--concurrency``); default the CPU
            count, at least 4 (a typed review takes milliseconds of one core).
        cpus: the machine's cores (default ``os.cpu_count()``).
        threads: cores one OCR run uses (``--threads``; default all of them). Images and batches
            run one per group of that many cores: a second run on the same cores only slows both.
    """
    cpus = cpus or os.cpu_count() or 1
    if text is not None and text < 1:
        raise PipelineError(f"--concurrency must be at least 1, not {text}.")
    groups = max(1, cpus // threads) if threads else 1
    return {
        "text": text or max(MIN_TEXT_CONCURRENCY, cpus),
        "image": groups,
        "batch": groups,
    }


def text_cut_warning(length: int, limit: int = MAX_TEXT_CHARS) -> str:
    """The record's warning for a typed review longer than the app reads."""
    return (
        f"only the first {limit:,} of {length:,} characters were read and are shown: that is "
        "the limit per review (classify a longer text in parts)."
    )
