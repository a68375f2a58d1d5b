"""OCR engines: one ``build_engine`` for all, a small ``Recognizer`` protocol, a registry.

Adding an engine is one file in this package with a ``build(**options) -> OcrEngine`` function,
plus its line in ``ENGINES``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from inksight.ocr.engines.base import Detector, OcrEngine, Recognizer
from inksight.ocr.errors import OcrError

__all__ = ["ENGINES", "RECOGNIZER_HELP", "Detector", "OcrEngine", "Recognizer", "build_engine"]

# The rapidocr engine's ``recognizer`` option, for the commands that offer it.
RECOGNIZER_HELP = (
    "rapidocr: read lines with the recogniser fine-tuned on handwriting (handwriting), "
    "rapidocr's own (stock), or a PP-OCR recogniser .onnx file."
)

# name -> module in this package whose ``build(**options)`` returns an ``OcrEngine``.
ENGINES: dict[str, str] = {
    "rapidocr": "inksight.ocr.engines.rapidocr",
    "trocr": "inksight.ocr.engines.trocr.recognizer",
}


def build_engine(
    name: str = "auto",
    *,
    trocr_model: str | Path | None = None,
    allow_download: bool = False,
    trocr_options: dict[str, Any] | None = None,
    **options: Any,
) -> OcrEngine:
    """Build an OCR engine by name.

    Args:
        name: ``"rapidocr"`` (shipped, offline), ``"trocr"``, or ``"auto"``: TrOCR when its weights
            are already on this machine (a folder, or the Hugging Face cache), else rapidocr.
        trocr_model: A TrOCR folder or hub id (default ``microsoft/trocr-small-handwritten``).
        allow_download: Let TrOCR fetch missing weights from the Hugging Face hub.
        trocr_options: Options used only when TrOCR reads (``quantize``, ``runtime``,
            ``num_beams``, ...), so ``auto`` can fall back to rapidocr with the same call.
        **options: Engine options (see each engine's ``build``).

    Raises:
        OcrError: Unknown engine name, or TrOCR weights that cannot be found.
    """
    if name == "auto":
        from inksight.ocr.engines.trocr.recognizer import DEFAULT_MODEL, weights_available

        model = trocr_model or DEFAULT_MODEL
        name = "trocr" if weights_available(model) else "rapidocr"
    if name not in ENGINES:
        choices = ", ".join(["auto", *ENGINES])
        raise OcrError(f"unknown OCR engine {name!r}; choose one of {choices}.")
    module = importlib.import_module(ENGINES[name])
    if name == "trocr":
        options.update(trocr_options or {}, model=trocr_model, allow_download=allow_download)
    return module.build(**options)
