"""Reading handwriting: one image reader, typed results, OCR engines, line finding, fine-tuning.

``ocr`` never imports ``nlp`` or ``pipelines``; it takes paths or loaded objects.
"""

from ocr.engines import ENGINES, OcrEngine, Recognizer, build_engine
from ocr.errors import OcrError
from ocr.reader import MAX_PIXELS, read_image, read_pages
from ocr.types import Line, OcrResult

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
]
