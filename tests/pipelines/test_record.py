"""The one record: read back from JSON, CSV and Parquet exactly as it was written."""

from __future__ import annotations

import json

import pytest

from inksight.nlp.classifier import Sentiment
from inksight.ocr.types import Line, OcrResult
from inksight.pipelines.batch.outputs import read_records, write_records
from inksight.pipelines.record import ROW_COLUMNS, ReviewResult

# A record as `inksight batch` wrote it before ReviewResult could read one back: saved outputs
# hold exactly this, so it must come back byte for byte.
SAVED = (
    '{"path": "deep/scan-1.png", "text": "A wonderful film\\nI cried, twice", "lines": '
    '[{"text": "A wonderful film", "confidence": 0.9312, "box": [[2.0, 2.0], [118.0, 2.0], '
    '[118.0, 30.5], [2.0, 30.5]], "page": 0, "low_confidence": false}, {"text": "I cried, twice", '
    '"confidence": 0.7, "box": [[2.0, 40.0], [90.0, 40.0], [90.0, 70.0], [2.0, 70.0]], "page": 1, '
    '"low_confidence": true}], "sentiment": {"label": "positive", "probability": 0.9731, '
    '"top_words": [{"word": "wonderful", "score": 0.52}, {"word": "cried", "score": -0.08}]}, '
    '"engine": "rapidocr", "seconds": {"ocr": 0.4123, "nlp": 0.0101, "total": 0.4301}, '
    '"warnings": ["the handwriting was hard to read."], "error": null}'
)


def results() -> list[ReviewResult]:
    """One of each kind of record: read, blank page, typed text, unreadable file."""
    lines = [Line("Dull, so dull", 0.81234, [[1.04, 2.0], [50.0, 2.0], [50.0, 9.96], [1.0, 9.9]])]
    ocr = OcrResult.from_lines(lines, engine="fake", seconds=0.5)
    verdict = Sentiment("negative", 0.876543, [{"word": "dull", "score": -0.6}], 3, 3)
    return [
        ReviewResult("r0.png", ocr, ocr.text, verdict, {"ocr": 0.5, "nlp": 0.01, "total": 0.51}),
        ReviewResult(
            "blank.png",
            OcrResult.from_lines([], engine="fake", seconds=0.1),
            "",
            None,
            {"ocr": 0.1, "nlp": 0.0, "total": 0.1},
            ["no text was found in the image."],
        ),
        ReviewResult(None, None, "great fun", verdict, {"ocr": 0.0, "nlp": 0.2, "total": 0.2}),
        ReviewResult.failed("zip/ünïcode.jpg", "ünïcode.jpg is empty (0 bytes)."),
    ]


def test_a_saved_record_reads_back_to_the_same_json() -> None:
    result = ReviewResult.from_dict(json.loads(SAVED))

    assert json.dumps(result.to_dict(), ensure_ascii=False) == SAVED
    assert (result.ok, result.label, result.probability) == (True, "positive", 0.9731)
    assert result.engine == "rapidocr" and [line.page for line in result.ocr.lines] == [0, 1]


@pytest.mark.parametrize("result", results(), ids=["read", "blank", "typed", "failed"])
def test_to_dict_from_dict_to_dict_is_the_same_record(result: ReviewResult) -> None:
    record = result.to_dict()

    assert ReviewResult.from_dict(record).to_dict() == record
    assert ReviewResult.from_dict(json.loads(json.dumps(record))).to_dict() == record


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_output_format_reads_back_as_the_same_records(tmp_path, suffix: str) -> None:
    out = tmp_path / f"results{suffix}"

    write_records(results(), out)

    assert read_records(out) == [result.to_dict() for result in results()]


def test_a_row_has_the_documented_columns_and_round_trips() -> None:
    for result in results():
        row = result.to_row()
        assert tuple(row) == ROW_COLUMNS
        assert ReviewResult.from_row(row).to_dict() == result.to_dict()
        # CSV has no "none": every value comes back as text, a missing one as "".
        as_csv = {k: "" if v is None else str(v) for k, v in row.items()}
        assert ReviewResult.from_row(as_csv).to_dict() == result.to_dict()


def test_a_failed_file_says_why_and_has_no_verdict() -> None:
    failed = ReviewResult.failed("a.png", "a.png is not an image or PDF Inksight can read.")

    assert not failed.ok and failed.error.startswith("a.png is not")
    assert (failed.label, failed.probability, failed.engine) == (None, None, None)
    assert set(failed.to_dict()) == set(results()[0].to_dict())  # the same record, not a stub
