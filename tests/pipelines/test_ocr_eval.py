"""``ocr eval`` scores the shipped engine on a tiny synthetic set and writes a JSON result."""

from __future__ import annotations

import json

import pytest
from font_helpers import installed_font

from inksight.ocr.synth import EXAMPLE_REVIEWS
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.ocr_jobs import (
    EvalConfig,
    SynthConfig,
    eval_main,
    review_vocabulary,
    synth_main,
)


def _font() -> str:
    return installed_font("patrick-hand", "kalam", "dejavusans")


@pytest.mark.real_assets  # rapidocr's shipped ONNX models
def test_eval_reports_cer_per_font_kind_and_style(tmp_path):
    texts = [text for text, _label in EXAMPLE_REVIEWS]
    synth_main(SynthConfig(out=tmp_path, n=3, fonts=(_font(),), seed=1), texts=texts)
    result = eval_main(EvalConfig(dir=tmp_path, ocr="rapidocr"))

    written = json.loads((tmp_path / "ocr_eval.json").read_text())
    assert written["overall"] == result["overall"]
    assert result["engine"] == "rapidocr"
    assert result["overall"]["images"] == 3
    assert set(result["by_font"]) == {_font()}
    assert set(result["by_kind"]) == {"line"}
    assert set(result["by_style"]) == {"clean"}
    assert len(result["per_image"]) == 3
    assert all(row["seconds"] > 0 for row in result["per_image"])
    # Clean handwritten lines in a neat font are read nearly right.
    assert result["overall"]["cer"] < 0.15


def test_eval_without_a_truth_file_says_what_is_missing(tmp_path):
    with pytest.raises(PipelineError, match="truth.jsonl does not exist"):
        eval_main(EvalConfig(dir=tmp_path, ocr="rapidocr"))


def test_review_vocabulary_keeps_words_seen_often_enough():
    texts = ["A great film.<br />Great acting", "film noir, didn't", "great noir"]
    vocabulary = review_vocabulary(texts, min_count=2)
    assert vocabulary == {"great": 3, "film": 2, "noir": 2}


def test_synth_hard_tier_writes_the_effects_each_image_got(tmp_path):
    texts = [text for text, _label in EXAMPLE_REVIEWS]
    summary = synth_main(
        SynthConfig(out=tmp_path, n=2, fonts=(_font(),), seed=3, photo=True, tier="hard"),
        texts=texts,
    )
    records = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert summary["tier"] == "hard" and len(records) == 2
    for record in records:
        assert record["tier"] == "hard"
        assert any(effect.startswith("blur=") for effect in record["effects"])
        assert 12 <= record["x_height"] <= 28
