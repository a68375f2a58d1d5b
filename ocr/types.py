"""Typed OCR results: one ``Line`` per text line, one ``OcrResult`` per image (all its pages)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NO_TEXT", "Line", "OcrResult"]

# What a reader says when an image showed no sign of writing at all; where its boxes held
# something too faint or small to read, it says "writing was found ... but could not be read".
NO_TEXT = "no text was found in the image."


@dataclass
class Line:
    """One recognised text line.

    Attributes:
        text: The recognised text.
        confidence: How sure the recogniser is, 0..1.
        box: Four corner points ``[x, y]`` in page pixels (top-left, top-right, bottom-right,
            bottom-left).
        page: Index of the page the line is on (0 for single images).
        low_confidence: True when the confidence is under the engine's threshold: worth a look.
    """

    text: str
    confidence: float
    box: list[list[float]]
    page: int = 0
    low_confidence: bool = False

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "confidence": round(float(self.confidence), 4),
            "box": [[round(float(x), 1), round(float(y), 1)] for x, y in self.box],
            "page": int(self.page),
            "low_confidence": bool(self.low_confidence),
        }


@dataclass
class OcrResult:
    """Everything read from one image or document.

    Attributes:
        lines: Lines in reading order (page by page, top to bottom).
        text: The lines' text joined with newlines.
        engine: The engine that read it, e.g. ``"rapidocr"`` or ``"trocr:microsoft/trocr-small-handwritten"``.
        seconds: Wall time spent reading.
        warnings: Sentences about anything skipped or doubtful (a bad page, a tiny image, no text).
        pages: Number of pages read.
    """

    lines: list[Line]
    text: str
    engine: str
    seconds: float
    warnings: list[str] = field(default_factory=list)
    pages: int = 1

    @classmethod
    def from_lines(
        cls,
        lines: list[Line],
        *,
        engine: str,
        seconds: float,
        warnings: list[str] | None = None,
        pages: int = 1,
    ) -> OcrResult:
        """Build a result whose ``text`` is the lines joined in the given (reading) order."""
        return cls(
            lines=list(lines),
            text="\n".join(line.text for line in lines),
            engine=engine,
            seconds=seconds,
            warnings=list(warnings or []),
            pages=pages,
        )

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "lines": [line.to_dict() for line in self.lines],
            "engine": self.engine,
            "seconds": round(float(self.seconds), 4),
            "warnings": list(self.warnings),
            "pages": int(self.pages),
        }
