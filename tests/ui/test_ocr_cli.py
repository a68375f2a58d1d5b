"""``inksight ocr synth`` and ``ocr eval`` through the real command line entry point."""

from __future__ import annotations

import json

from font_helpers import installed_font

from inksight.ui.cli import main


def _font() -> str:
    return installed_font("caveat", "dejavusans")


def test_ocr_synth_writes_images_and_truth(tmp_path, capsys):
    out = tmp_path / "set"
    args = ["--n", "2", "--out", str(out), "--pages", "--fonts", _font(), "--seed", "4", "--json"]
    code = main(["ocr", "synth", *args])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["images"] == 2
    assert summary["kinds"] == ["page"]
    records = [json.loads(line) for line in (out / "truth.jsonl").read_text().splitlines()]
    assert len(records) == 2
    assert all((out / r["image"]).is_file() and r["kind"] == "page" for r in records)


def test_unknown_font_is_one_sentence_not_a_traceback(tmp_path, capsys):
    code = main(["ocr", "synth", "--n", "1", "--out", str(tmp_path), "--fonts", "no-such-font"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("inksight: error: unknown font no-such-font")
    assert "Traceback" not in err


def test_eval_of_a_folder_without_truth_is_one_sentence(tmp_path, capsys):
    code = main(["ocr", "eval", str(tmp_path), "--ocr", "rapidocr"])
    assert code == 2
    assert "truth.jsonl does not exist" in capsys.readouterr().err


def test_ocr_finetune_trains_a_tiny_model_on_a_synth_set(tmp_path, capsys):
    from inksight.ocr.engines.trocr.configs import build_trocr

    model, processor = build_trocr("tiny")
    model.save_pretrained(tmp_path / "tiny")
    processor.save_pretrained(tmp_path / "tiny")
    data = tmp_path / "lines"
    assert main(["ocr", "synth", "--n", "4", "--out", str(data), "--fonts", _font()]) == 0
    capsys.readouterr()
    args = ["--train", str(data), "--val", str(data), "--model", str(tmp_path / "tiny")]
    args += ["--out", str(tmp_path / "tuned"), "--epochs", "1", "--batch-size", "4", "--json"]
    assert main(["ocr", "finetune", *args]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert len(metrics["val_cer"]) == 1
    assert (tmp_path / "tuned" / "metrics.json").is_file()


def test_eval_reads_with_the_recogniser_asked_for_and_names_a_missing_one(tmp_path, capsys):
    data = tmp_path / "set"
    assert main(["ocr", "synth", "--n", "1", "--out", str(data), "--fonts", _font()]) == 0
    capsys.readouterr()
    for recognizer in ("stock", "handwriting"):
        code = main(["ocr", "eval", str(data), "--ocr", "rapidocr", "--recognizer", recognizer])
        assert code == 0
        assert capsys.readouterr().out.startswith("engine: rapidocr")

    missing = tmp_path / "mine.onnx"
    code = main(["ocr", "eval", str(data), "--ocr", "rapidocr", "--recognizer", str(missing)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"no recogniser model at {missing}" in err
