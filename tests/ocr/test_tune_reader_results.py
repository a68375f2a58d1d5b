"""A development run of ``benchmarks/tune_ocr_reader.py`` keeps the record of every run before it."""

from __future__ import annotations

import json

from script_loader import BENCHMARKS, load_script


def test_each_run_writes_the_next_free_record_and_leaves_the_earlier_ones(tmp_path, monkeypatch):
    tune = load_script("tune_ocr_reader", BENCHMARKS)
    monkeypatch.setattr(tune, "RESULTS", tmp_path)
    earlier = {"ocr_reader_tuning.json": "first", "ocr_reader_tuning_7.json": "seventh"}
    for name, text in earlier.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "ocr_reader_tuning_thin_variants.json").write_text("not a numbered run")

    for expected in ("ocr_reader_tuning_8.json", "ocr_reader_tuning_9.json"):
        tune.main(["--lines", "0", "--pages", "0", "--candidates-only"])
        written = json.loads((tmp_path / expected).read_text())
        assert written["benchmark"] == "ocr_reader_tuning"
    for name, text in earlier.items():
        assert (tmp_path / name).read_text() == text
