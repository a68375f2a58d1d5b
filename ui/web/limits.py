"""The web app's limits, named once: what one request may cost the server, and the sentence a
visitor gets when a request passes one.

Every request is bounded before the work starts: the upload's size (gradio refuses more), the pages
of a document read (the rest are never rendered) and the seconds spent reading it, the pixels of a page and of a document (checked
from the file's header, see ``inksight.ocr.reader``), the characters of a typed review read and
shown, and the files and bytes a batch unpacks. Text, image and batch requests wait in separate
queues, so a long PDF never holds up a typed review.
"""

from __future__ import annotations

from inksight.pipelines.uploads import (
    MAX_DOCUMENT_PIXELS,
    MAX_PIXELS,
    MAX_UNPACKED_BYTES,
    MAX_UNPACKED_FILES,
)

__all__ = [
    "CONCURRENCY",
    "MAX_DOCUMENT_PIXELS",
    "MAX_PAGES",
    "MAX_PIXELS",
    "MAX_READ_SECONDS",
    "MAX_TEXT_CHARS",
    "MAX_UNPACKED_BYTES",
    "MAX_UNPACKED_FILES",
    "MAX_UPLOAD_MB",
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
CONCURRENCY = {"text": 4, "image": 1, "batch": 1}


def text_cut_warning(length: int, limit: int = MAX_TEXT_CHARS) -> str:
    """The record's warning for a typed review longer than the app reads."""
    return (
        f"only the first {limit:,} of {length:,} characters were read and are shown: that is "
        "the limit per review (classify a longer text in parts)."
    )
