"""The one result record: what Inksight understood from one scan or typed review.

``ReviewResult.to_dict()`` is what ``inksight analyze``, ``inksight batch`` (local and Ray) and the
web app print and store, so a record means the same thing everywhere. ``from_dict`` reads it back,
and ``to_row``/``from_row`` are the same record as one flat table row (CSV, Parquet, the web's
download), in ``ROW_COLUMNS``. ``ReviewResult.failed`` is the record of a file that could not be
read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inksight.ocr.types import Line, OcrResult

if TYPE_CHECKING:
    from inksight.nlp.classifier import Sentiment

__all__ = ["ROW_COLUMNS", "ReviewResult", "StoredSentiment"]

# One flat row per record; nested fields (top words, lines, warnings) are JSON text.
ROW_COLUMNS = (
    "path", "text", "label", "probability", "top_words", "lines", "engine",
    "seconds_ocr", "seconds_nlp", "seconds_total", "warnings", "error",
)  # fmt: skip
FLOAT_COLUMNS = frozenset({"probability", "seconds_ocr", "seconds_nlp", "seconds_total"})
STAGES = ("ocr", "nlp", "total")


@dataclass
class StoredSentiment:
    """The part of a ``Sentiment`` a record keeps, read back from a results file.

    ``nlp.classifier.Sentiment`` would load torch just to read a results file; this holds the
    same three fields ``to_dict`` writes.
    """

    label: str
    probability: float
    top_words: list[dict] = field(default_factory=list)


@dataclass
class ReviewResult:
    """What Inksight understood from one scan (or typed text), and how sure it is."""

    path: str | None
    ocr: OcrResult | None
    text: str
    sentiment: Sentiment | StoredSentiment | None
    seconds: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def failed(cls, path: str | None, message: str) -> ReviewResult:
        """The record of a file that could not be analysed: ``message`` says why, in a sentence."""
        return cls(path=path, ocr=None, text="", sentiment=None, seconds={}, error=message)

    @property
    def ok(self) -> bool:
        """True when the file was read (it may still have no sentiment, e.g. a blank page)."""
        return self.error is None

    @property
    def label(self) -> str | None:
        return self.sentiment.label if self.sentiment else None

    @property
    def probability(self) -> float | None:
        return float(self.sentiment.probability) if self.sentiment else None

    @property
    def engine(self) -> str | None:
        return self.ocr.engine if self.ocr else None

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
            "engine": self.engine,
            "seconds": {k: round(float(v), 4) for k, v in self.seconds.items()},
            "warnings": list(self.warnings),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, record: dict) -> ReviewResult:
        """Read a ``to_dict`` record back; ``from_dict(r).to_dict() == r``.

        The OCR comes back as its lines and engine (what the record keeps), the sentiment as a
        ``StoredSentiment``. Missing fields take their empty value, as in an error record.
        """
        lines = [Line(**line) for line in record.get("lines") or []]
        engine = record.get("engine")
        seconds = dict(record.get("seconds") or {})
        ocr = None
        if engine is not None or lines:
            ocr = OcrResult.from_lines(lines, engine=engine, seconds=seconds.get("ocr", 0.0))
        sentiment = record.get("sentiment")
        return cls(
            path=record["path"],
            ocr=ocr,
            text=record.get("text") or "",
            sentiment=None if sentiment is None else StoredSentiment(**sentiment),
            seconds=seconds,
            warnings=list(record.get("warnings") or []),
            error=record.get("error"),
        )

    def to_row(self) -> dict:
        """The record as one flat row in ``ROW_COLUMNS``: nested fields as JSON text."""
        record = self.to_dict()
        sentiment = record["sentiment"] or {}
        return {
            "path": record["path"],
            "text": record["text"],
            "label": sentiment.get("label"),
            "probability": sentiment.get("probability"),
            "top_words": _json(sentiment.get("top_words", [])),
            "lines": _json(record["lines"]),
            "engine": record["engine"],
            **{f"seconds_{stage}": record["seconds"].get(stage) for stage in STAGES},
            "warnings": _json(record["warnings"]),
            "error": record["error"],
        }

    @classmethod
    def from_row(cls, row: dict) -> ReviewResult:
        """Read a ``to_row`` row back, from CSV (every value text, empty for none) or Parquet."""
        label = _text(row["label"])
        seconds = {stage: _number(row[f"seconds_{stage}"]) for stage in STAGES}
        return cls.from_dict(
            {
                "path": _text(row["path"]),  # a typed review has no path
                "text": row["text"] or "",
                "lines": json.loads(row["lines"]),
                "sentiment": None
                if label is None
                else {
                    "label": label,
                    "probability": _number(row["probability"]),
                    "top_words": json.loads(row["top_words"]),
                },
                "engine": _text(row["engine"]),
                "seconds": {stage: value for stage, value in seconds.items() if value is not None},
                "warnings": json.loads(row["warnings"]),
                "error": _text(row["error"]),
            }
        )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# CSV has no "none": an empty cell is read back as None.
def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _number(value: object) -> float | None:
    return None if value is None or value == "" else float(value)  # type: ignore[arg-type]
