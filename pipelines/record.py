"""The one result record: what Inksight understood from one scan or typed review.

``ReviewResult.to_dict()`` is what ``inksight analyze``, ``inksight batch`` (local and Ray) and the
web app print and store, so a record means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inksight.nlp.classifier import Sentiment
    from inksight.ocr.types import OcrResult

__all__ = ["ReviewResult"]


@dataclass
class ReviewResult:
    """What Inksight understood from one scan (or typed text), and how sure it is."""

    path: str | None
    ocr: OcrResult | None
    text: str
    sentiment: Sentiment | None
    seconds: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        """The one JSON-safe record every front end prints."""
        sentiment = self.sentiment
        return {
            "path": self.path,
            "text": self.text,
            "lines": [line.to_dict() for line in self.ocr.lines] if self.ocr else [],
            "sentiment": None
            if sentiment is None
            else {
                "label": sentiment.label,
                "probability": float(sentiment.probability),
                "top_words": [dict(w) for w in sentiment.top_words],
            },
            "engine": self.ocr.engine if self.ocr else None,
            "seconds": {k: round(float(v), 4) for k, v in self.seconds.items()},
            "warnings": list(self.warnings),
            "error": self.error,
        }
