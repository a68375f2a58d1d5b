"""Fine-tuning TrOCR end to end on a tiny model built from config: learns, saves, reloads, reads."""

from __future__ import annotations

import json

import numpy as np
import pytest
from font_helpers import dejavu_sans
from PIL import Image, ImageDraw

from inksight.ocr import OcrError

WORDS = ["good", "bad", "great", "dull", "fun", "sad", "epic", "meh"]


def _write_set(folder, words):
    font = dejavu_sans(28)
    (folder / "images").mkdir(parents=True)
    with open(folder / "truth.jsonl", "w", encoding="utf-8") as truth:
        for index, word in enumerate(words):
            image = Image.new("RGB", (160, 40), "white")
            ImageDraw.Draw(image).text((8, 4), word, font=font, fill="black")
            image.save(folder / "images" / f"{index}.png")
            # The extra keys are what `inksight ocr synth` writes; fine-tuning ignores them.
            record = {
                "image": f"images/{index}.png",
                "text": word,
                "font": "dejavu",
                "kind": "line",
            }
            truth.write(json.dumps(record) + "\n")
    return folder


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory):
    from inksight.ocr.engines.trocr.configs import build_trocr
    from inksight.ocr.finetune import finetune_trocr

    root = tmp_path_factory.mktemp("finetune")
    data = _write_set(root / "train", WORDS)
    model, processor = build_trocr("tiny")
    metrics = finetune_trocr(
        data,
        data,
        model,
        root / "out",
        processor=processor,
        epochs=8,
        batch_size=8,
        lr=3e-3,
        max_target_length=12,
    )
    return metrics, root / "out"


def test_loss_falls_and_validation_cer_improves(finetuned):
    metrics, _ = finetuned
    assert len(metrics["train_loss"]) == 8 and len(metrics["val_cer"]) == 8
    assert metrics["train_loss"][-1] < 0.8 * metrics["train_loss"][0]
    assert metrics["best_val_cer"] < metrics["initial_val_cer"]
    assert metrics["best_val_cer"] == min(metrics["val_cer"])
    assert metrics["device"] == "cpu"
    # The metrics (and metrics.json) list what the docstring promises, in its order.
    assert list(metrics) == [
        "initial_val_cer",
        "val_cer",
        "best_val_cer",
        "best_epoch",
        "train_loss",
        "train_lines",
        "val_lines",
        "device",
        "seconds",
        "out_dir",
    ]


def test_saved_folder_is_self_describing_and_reloads_and_reads(finetuned):
    from inksight.ocr import build_engine
    from inksight.ocr.engines.trocr.recognizer import load_trocr
    from inksight.ocr.finetune import load_line_examples, validation_cer

    metrics, out = finetuned
    assert json.loads((out / "metrics.json").read_text())["best_val_cer"] == metrics["best_val_cer"]
    engine = build_engine("auto", trocr_model=out)
    assert engine.name == f"trocr:{out}"
    lines = engine.read_lines(
        [np.asarray(example.image) for example in load_line_examples(out.parent / "train")]
    )
    assert len(lines) == len(WORDS) and all(0.0 <= line.confidence <= 1.0 for line in lines)
    # The reloaded model scores exactly what the best epoch scored.
    model, processor = load_trocr(out)
    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    reader = TrocrRecognizer(model, processor, max_new_tokens=12)
    score = validation_cer(reader, load_line_examples(out.parent / "train"))
    assert score == pytest.approx(metrics["best_val_cer"], abs=1e-6)


def test_missing_truth_file_is_one_sentence(tmp_path):
    from inksight.ocr.finetune import load_line_examples

    with pytest.raises(OcrError, match="has no truth.jsonl"):
        load_line_examples(tmp_path)


def test_malformed_truth_record_names_its_line(tmp_path):
    from inksight.ocr.finetune import load_line_examples

    (tmp_path / "truth.jsonl").write_text('{"image": "a.png", "text": "ok"}\n{"text": 3}\n')
    Image.new("RGB", (40, 20), "white").save(tmp_path / "a.png")
    with pytest.raises(OcrError, match="line 2 of"):
        load_line_examples(tmp_path)


def test_page_records_are_cut_into_their_lines(tmp_path):
    from inksight.ocr.finetune import load_line_examples

    page = Image.new("RGB", (200, 100), "white")
    page.paste((0, 0, 0), (10, 10, 190, 40))
    page.save(tmp_path / "page.png")
    lines = [
        {"text": "first", "box": [[10, 10], [190, 10], [190, 40], [10, 40]]},
        {"text": "second", "box": [[10, 60], [190, 60], [190, 90], [10, 90]]},
    ]
    record = {"image": "page.png", "text": "first\nsecond", "lines": lines, "kind": "page"}
    (tmp_path / "truth.jsonl").write_text(json.dumps(record) + "\n")
    examples = load_line_examples(tmp_path)
    assert [example.text for example in examples] == ["first", "second"]
    assert examples[0].image.mean() < examples[1].image.mean()  # the ink is on the first line
