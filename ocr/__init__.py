"""Reading handwriting: one image reader, typed results, OCR engines, line finding, fine-tuning.

``ocr`` never imports ``nlp`` or ``pipelines``; it takes paths or loaded objects. The names below
load on first use, so importing ``inksight.ocr.errors`` (as every command does) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inksight.ocr.engines import ENGINES, OcrEngine, Recognizer, build_engine
    from inksight.ocr.errors import OcrError
    from inksight.ocr.reader import MAX_PIXELS, read_image, read_pages
    from inksight.ocr.threads import set_threads
    from inksight.ocr.types import Line, OcrResult

# public name -> the module that defines it
_HOMES = {
    "ENGINES": "engines",
    "OcrEngine": "engines",
    "Recognizer": "engines",
    "build_engine": "engines",
    "OcrError": "errors",
    "MAX_PIXELS": "reader",
    "read_image": "reader",
    "read_pages": "reader",
    "set_threads": "threads",
    "Line": "types",
    "OcrResult": "types",
}
__all__ = [
    "ENGINES",
    "MAX_PIXELS",
    "Line",
    "OcrEngine",
    "OcrError",
    "OcrResult",
    "Recognizer",
    "build_engine",
    "read_image",
    "read_pages",
    "set_threads",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
