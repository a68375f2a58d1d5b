"""The comparison, the learning curve and `lab run`: resumable cells, refusals, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NEGATIVE_WORDS, NEUTRAL_WORDS, POSITIVE_WORDS, make_reviews
from lab_fixtures import write_vectors

import inksight.pipelines.lab.experiments as lab
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.lab.experiments import Cell, CurvePoint, ExperimentConfig, curve_reading
from inksight.ui.cli import main as cli


@pytest.fixture(scope="module")
def tiny_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lab-vectors") / "glove.txt"
    words = POSITIVE_WORDS + NEGATIVE_WORDS + NEUTRAL_WORDS + ["king", "man", "woman", "queen"]
    write_vectors(path, words)
    return path


def _fake_trainer(calls: list, fail_at: int | None = None):
    """Stands in for a training run: records the cell, returns made-up scores."""

    def train_cell(config, variant, pooling, size, seed) -> Cell:
        if fail_at is not None and len(calls) == fail_at:
            raise KeyboardInterrupt
        calls.append((variant, pooling, size, seed))
        accuracy = 0.6 + 0.01 * seed + (0.1 if variant == "scratch" else 0.0)
        return Cell(variant, pooling, size, seed, 100, accuracy, accuracy, 10, 1.0, 3, 50)

    return train_cell


def test_curve_skips_finished_cells_and_survives_an_interruption(
    tmp_path: Path, tiny_reviews_csv: Path, tiny_vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ExperimentConfig(
        out=tmp_path / "lab", data=tiny_reviews_csv, vectors=tiny_vectors,
        variants=("scratch", "glove-frozen"), sizes=("50", "full"), seeds=(1, 2), progress=False,
    )  # fmt: skip
    calls: list = []
    monkeypatch.setattr(lab, "_train_cell", _fake_trainer(calls, fail_at=3))
    with pytest.raises(KeyboardInterrupt):
        lab.curve_main(config)
    assert len(calls) == 3
    # An interruption in the middle of writing leaves a cut line: it is ignored, not fatal.
    with (tmp_path / "lab" / "cells.jsonl").open("a") as handle:
        handle.write('{"variant": "scr')

    calls.clear()
    monkeypatch.setattr(lab, "_train_cell", _fake_trainer(calls))
    result = lab.curve_main(config)
    assert len(calls) == 8 - 3  # only the unfinished cells trained
    assert {p["variant"] for p in result["points"]} == {"scratch", "glove-frozen"}
    assert Path(result["png"]).stat().st_size > 5000
    assert "plotly" in Path(result["html"]).read_text(encoding="utf-8")[:200_000]

    calls.clear()
    lab.curve_main(config)
    assert calls == []  # everything is done: nothing trains again


def test_a_folder_of_another_lab_is_refused_unless_forced(
    tmp_path: Path, tiny_reviews_csv: Path, tiny_vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list = []
    monkeypatch.setattr(lab, "_train_cell", _fake_trainer(calls))
    common = {"out": tmp_path / "lab", "data": tiny_reviews_csv, "sizes": ("50",), "seeds": (1,)}
    lab.curve_main(ExperimentConfig(**common, progress=False))
    other = tmp_path / "other.csv"
    make_reviews(seed=5).to_csv(other, index=False)
    with pytest.raises(PipelineError, match="holds results of a different lab \\(data differ"):
        lab.curve_main(ExperimentConfig(**common | {"data": other}, progress=False))
    with pytest.raises(PipelineError, match="holds results of a different lab \\(training differ"):
        lab.curve_main(ExperimentConfig(**common, lr=0.0003, progress=False))
    assert ExperimentConfig(**common).training_settings()["lr"] == 0.003
    calls.clear()
    lab.curve_main(ExperimentConfig(**common | {"data": other}, force=True, progress=False))
    assert len(calls) == 4  # started over: every cell trained again


def test_cli_refuses_sizes_larger_than_the_training_split(
    tmp_path: Path, tiny_reviews_csv: Path, capsys: pytest.CaptureFixture
) -> None:
    code = cli(["lab", "curve", "--out", str(tmp_path / "lab"), "--data", str(tiny_reviews_csv),
                "--sizes", "100", "5000"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "training-set size 5,000 is larger than the training split (192 reviews)" in err


def _points(scratch: dict[int, float], glove: dict[int, float]) -> list[CurvePoint]:
    return [
        CurvePoint(name, n, n, acc, acc - 0.01, acc + 0.01, 3)
        for name, table in (("scratch", scratch), ("glove-finetuned", glove))
        for n, acc in table.items()
    ]


def test_curve_reading_names_the_size_where_pretrained_stops_helping() -> None:
    text = curve_reading(
        _points(
            {250: 0.60, 1000: 0.75, 5000: 0.85, 20000: 0.89},
            {250: 0.70, 1000: 0.78, 5000: 0.85, 20000: 0.87},
        )  # fmt: skip
    )
    assert "250 reviews: glove-finetuned 0.700 vs scratch 0.600" in text
    assert "stop helping at about 5,000 training reviews" in text
    assert "-2.0 points" in text and "agrees with the seed" in text


def test_curve_reading_says_when_pretrained_never_helps() -> None:
    text = curve_reading(_points({250: 0.70, 20000: 0.89}, {250: 0.66, 20000: 0.86}))
    assert "did not help at any size" in text and "not borne out" in text
    assert "scratch embeddings beat the best pretrained variant at every size" in text
    assert "by 3.0 to 4.0 points" in text


def test_curve_reading_flags_sizes_where_a_model_did_not_learn() -> None:
    text = curve_reading(_points({250: 0.50, 1000: 0.82}, {250: 0.60, 1000: 0.66}))
    assert "At 250 reviews scratch 0.500 stayed at chance" in text
    assert "At 1,000 reviews" not in text and "agrees with the seed" not in text


def test_lab_run_quick_on_tiny_data_writes_the_whole_report(
    tmp_path: Path, tiny_reviews_csv: Path, tiny_vectors: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "lab"
    code = cli([
        "lab", "run", "--quick", "--out", str(out), "--data", str(tiny_reviews_csv),
        "--vectors", str(tiny_vectors), "--sizes", "60", "full", "--compare-size", "full",
        "--variants", "scratch", "glove-frozen", "--poolings", "max", "mean", "--json",
    ])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    for step in ("step 2 of 2-7", "step 4 of 2-7", "step 7b of 2-7", "done in"):
        assert step in captured.err
    report = Path(result["markdown"]).read_text(encoding="utf-8")
    for title in (
        "Step 2: data and preprocessing",
        "Step 3: training the classifier",
        "Step 4: PCA pictures",
        "Step 5: similarity and analogies",
        "Step 6: GloVe tests (benchmark)",
        "Step 7a: scratch vs pretrained embeddings",
        "Step 7b: the learning curve",
    ):
        assert f"## {title}" in report
    assert "| variant | pooling | test accuracy | F1 | trainable parameters |" in report
    assert "| glove-frozen | mean |" in report and "**Reading.**" in report
    assert (out / "figures" / "learning_curve.png").stat().st_size > 5000
    assert "figures/learning_curve.png" in report and "figures/pca_glove.png" in report
    page = Path(result["html"]).read_text(encoding="utf-8")
    assert '<img alt="Learning curve" src="figures/learning_curve.png"' in page
    assert len(result["compare"]) == 4 and len(result["curve"]) == 4
