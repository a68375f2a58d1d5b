"""The one exception type ``ocr`` raises for problems a user can fix (bad images, missing weights)."""

__all__ = ["OcrError"]


class OcrError(ValueError):
    """A problem with an image, a PDF or OCR weights, worded as one clear sentence."""
