"""Sentiment for typed text: read reviews from a file or stdin, classify, keep input order."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from inksight.nlp.classifier import SentimentClassifier
from inksight.nlp.errors import NlpError
from inksight.pipelines.errors import PipelineError

__all__ = ["ReviewInput", "read_review_inputs", "predict_inputs"]

_TABLE_SUFFIXES = (".csv", ".parquet")  # read as tables with a text column, not line by line


@dataclass
class ReviewInput:
    """One review to score, or the reason its line could not be read."""

    line: int
    text: str | None = None
    error: str | None = None


def read_review_inputs(source: str) -> list[ReviewInput]:
    """Reviews from a file (``-`` for stdin): the ``text`` column of a .csv or .parquet table,
    JSONL with a ``text`` field, or one review per line."""
    if source == "-":
        raw = sys.stdin.buffer.read()
        name = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise PipelineError(f"input file {source} does not exist.")
        if path.suffix.lower() in _TABLE_SUFFIXES:
            return _table_inputs(path)
        raw = path.read_bytes()
        name = source
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PipelineError(
            f"{name} is not UTF-8 text (byte {error.start} is invalid); save it as UTF-8."
        ) from error
    lines = content.splitlines()
    first = next((line for line in lines if line.strip()), "")
    is_jsonl = source.endswith((".jsonl", ".ndjson")) or first.lstrip().startswith("{")
    inputs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not is_jsonl:
            inputs.append(ReviewInput(number, text=line))
            continue
        try:
            record = json.loads(line)
            text = record["text"] if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise KeyError("text")
            inputs.append(ReviewInput(number, text=text))
        except json.JSONDecodeError as error:
            inputs.append(
                ReviewInput(number, error=f"line {number} is not valid JSON ({error.msg}).")
            )
        except KeyError:
            inputs.append(ReviewInput(number, error=f'line {number} has no "text" string field.'))
    if not inputs:
        raise PipelineError(f"{name} holds no reviews.")
    return inputs


def _table_inputs(path: Path) -> list[ReviewInput]:
    """The ``text`` column of a table, numbered by row (1: the first row under the header); an
    empty cell is an empty review, answered like any other."""
    import pandas as pd

    from inksight.pipelines.train.data import read_table

    frame = read_table(path)
    if "text" not in frame.columns:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise PipelineError(f"{path} has no text column (found: {found}).")
    if frame.empty:
        raise PipelineError(f"{path} holds no reviews.")
    return [
        ReviewInput(row, text="" if pd.isna(text) else str(text))
        for row, text in enumerate(frame["text"], start=1)
    ]


def predict_inputs(classifier: SentimentClassifier, inputs: list[ReviewInput]) -> list[dict]:
    """One record per input, in input order: the sentiment, or ``{"line", "error"}``."""
    readable = [item for item in inputs if item.error is None]
    results = iter(classifier.classify_many([item.text for item in readable]))
    records = []
    for item in inputs:
        if item.error is not None:
            records.append({"line": item.line, "error": item.error})
            continue
        result = next(results)
        if isinstance(result, NlpError):
            records.append({"line": item.line, "error": str(result)})
        else:
            records.append({"line": item.line, **result.to_dict()})
    return records
