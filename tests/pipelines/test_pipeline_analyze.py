"""The scan-to-sentiment pipeline and `inksight analyze`, end to end on the real rapidocr engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inksight.nlp.classifier import load_classifier
from inksight.ocr import build_engine
from inksight.ocr.fonts import find_fonts, select_fonts
from inksight.ocr.synth import EXAMPLE_REVIEWS, render_text
from inksight.pipelines.analyze import Pipeline, PipelineConfig
from inksight.pipelines.assets import font_dirs
from inksight.pipelines.errors import PipelineError
from inksight.ui.cli import main

POSITIVE = EXAMPLE_REVIEWS[0][0]  # "A wonderful film ... superb acting ..."
NEGATIVE = EXAMPLE_REVIEWS[8][0]  # "Terrible script, cheap effects ..."
RECORD_KEYS = {"path", "text", "lines", "sentiment", "engine", "seconds", "warnings", "error"}


@pytest.fixture(scope="module")
def font() -> tuple[str, Path]:
    found = select_fonts(find_fonts(font_dirs()), ["caveat"])
    if not found:
        pytest.skip("handwriting fonts are not installed: run scripts/install_fonts.sh")
    return next(iter(found.items()))


@pytest.fixture(scope="module")
def scans(tmp_path_factory, font) -> dict[str, Path]:
    """A positive and a negative handwritten line, a two-page PDF, a blank sheet, a fake JPEG."""
    folder = tmp_path_factory.mktemp("scans")
    name, path = font
    pos = render_text(POSITIVE, name, path, kind="line", seed=1).image
    neg = render_text(NEGATIVE, name, path, kind="line", seed=2).image
    pos.save(folder / "positive.png")
    neg.save(folder / "negative.png")
    # 72 dpi in the PDF = one pixel per point; the reader renders it back at about this size.
    pos.save(folder / "two-pages.pdf", save_all=True, append_images=[neg], resolution=200)
    pos.point(lambda _: 255).save(folder / "blank.png")
    (folder / "not-an-image.jpg").write_text("this is a text file")
    return {p.stem: p for p in folder.iterdir()}


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir) -> Pipeline:
    return Pipeline(build_engine("rapidocr"), load_classifier(tiny_model_dir))


@pytest.mark.real_assets
def test_a_handwritten_review_becomes_text_and_sentiment(pipeline, scans):
    positive = pipeline.analyze(scans["positive"])
    negative = pipeline.analyze(scans["negative"])

    record = positive.to_dict()
    assert set(record) == RECORD_KEYS
    assert json.loads(json.dumps(record)) == record  # JSON-safe as it stands
    assert record["path"] == str(scans["positive"])
    assert "wonderful" in record["text"] and "superb" in record["text"]
    assert record["sentiment"]["label"] == "positive"
    assert negative.to_dict()["sentiment"]["label"] == "negative"
    assert {w["word"] for w in record["sentiment"]["top_words"]} & {"wonderful", "superb"}
    line = record["lines"][0]
    assert {"text", "confidence", "box", "page"} <= set(line) and len(line["box"]) == 4
    assert record["engine"] == "rapidocr" and record["error"] is None
    seconds = record["seconds"]
    assert set(seconds) == {"ocr", "nlp", "total"}
    assert 0 < seconds["ocr"] <= seconds["total"] and seconds["nlp"] <= seconds["total"]


@pytest.mark.real_assets
def test_a_two_page_pdf_is_one_record_with_its_pages_kept(pipeline, scans):
    record = pipeline.analyze(scans["two-pages"]).to_dict()

    assert record["error"] is None
    assert [line["page"] for line in record["lines"]] == [0, 1]
    first, second = record["text"].split("\n")
    assert "wonderful" in first and "script" in second.lower()


@pytest.mark.real_assets
def test_warnings_a_user_needs(pipeline, scans, tiny_model_dir):
    blank = pipeline.analyze(scans["blank"])
    assert blank.error is None and blank.sentiment is None
    assert any("no text" in w for w in blank.warnings)

    strict = Pipeline(pipeline.engine, pipeline.classifier, PipelineConfig(low_confidence=0.999))
    shaky = strict.analyze(scans["positive"])
    assert shaky.sentiment is not None
    assert any("OCR confidence" in w and "unreliable" in w for w in shaky.warnings)
    assert not any("OCR confidence" in w for w in pipeline.analyze(scans["positive"]).warnings)

    typed = pipeline.analyze_text("wonderful zorbly flimflam quaggle snorf")
    assert typed.sentiment.label == "positive"
    assert any("words are known to the model" in w for w in typed.warnings)
    assert sum("known to the model" in w for w in typed.warnings) == 1
    # 1 known word of 5: a threshold of 0.1 lets it pass, and the record agrees with its sentiment.
    lenient = Pipeline(pipeline.engine, pipeline.classifier, PipelineConfig(few_known_words=0.1))
    relaxed = lenient.analyze_text("wonderful zorbly flimflam quaggle snorf")
    assert not any("known to the model" in w for w in relaxed.warnings)
    assert relaxed.sentiment.warnings == relaxed.warnings


@pytest.mark.real_assets
def test_typed_text_and_files_that_cannot_be_read_become_errors_not_exceptions(
    pipeline, scans, tmp_path
):
    empty = pipeline.analyze_text("   ")
    assert empty.error and "empty" in empty.error and empty.to_dict()["sentiment"] is None

    for path, words in [
        (scans["not-an-image"], "not an image"),
        (tmp_path / "gone.png", "does not exist"),
    ]:
        record = pipeline.analyze(path).to_dict()
        assert words in record["error"]
        assert record["sentiment"] is None and record["lines"] == []
        json.dumps(record)


def test_config_rejects_bad_values():
    with pytest.raises(PipelineError, match="between 0 and 1"):
        PipelineConfig(low_confidence=1.5)
    with pytest.raises(PipelineError, match="unknown OCR engine"):
        PipelineConfig(ocr="tesseract")


@pytest.mark.real_assets
def test_cli_prints_one_json_object_per_file_and_fails_only_on_a_failed_file(
    scans, tiny_model_dir, capsys
):
    options = ["--ocr", "rapidocr", "--model", str(tiny_model_dir)]
    given = [str(scans["positive"]), "missing-scan.png"]

    assert main(["analyze", *given, *options, "--json"]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"] for r in records] == given
    assert records[0]["sentiment"]["label"] == "positive" and records[0]["error"] is None
    assert "does not exist" in records[1]["error"]

    assert main(["analyze", str(scans["negative"]), str(scans["blank"]), *options]) == 0
    out = capsys.readouterr().out
    assert "negative (" in out and "no sentiment" in out and "warning: no text" in out
