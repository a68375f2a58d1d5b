"""CPU threads for reading: set once by the program, never by an engine.

torch's and OpenCV's thread counts belong to the whole process, so a constructor that changed them
would change every other model in it (the classifier, a second engine, a notebook's own work).
The engines therefore only take a ``threads`` option for their own onnxruntime sessions, a
per-session setting, and the program's edge (the CLI, the server start, a batch worker's init)
calls ``set_threads`` once for the rest.
"""

from __future__ import annotations

from inksight.ocr.errors import OcrError

__all__ = ["set_threads"]


def set_threads(count: int) -> None:
    """Use ``count`` CPU threads for torch's and OpenCV's work in this process.

    Call it at the start of a program or worker, before models run; library code never does.
    onnxruntime sessions (rapidocr, the TrOCR onnxruntime encoder) take their count from the
    engine's ``threads`` option instead.

    Raises:
        OcrError: ``count`` is below 1.
    """
    if count < 1:
        raise OcrError(f"the number of threads must be at least 1, not {count}.")
    import cv2
    import torch

    torch.set_num_threads(count)
    cv2.setNumThreads(count)
