"""Reading handwriting: one image reader, typed results, OCR engines, line finding, fine-tuning.

``ocr`` never imports ``nlp`` or ``pipelines``; it takes paths or loaded objects.
"""

from inksight.ocr.engines import ENGINES, OcrEngine, Recognizer, build_engine
from inksight.ocr.errors import OcrError
from inksight.ocr.reader import MAX_PIXELS, read_image, read_pages
from inksight.ocr.types import Line, OcrResult

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
