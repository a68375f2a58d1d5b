"""Every trained model folder carries a model card and the provenance of its numbers."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import make_reviews
from huggingface_hub import ModelCard

from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main
from inksight.pipelines.train.provenance import training_command

ROOT = Path(__file__).resolve().parents[2]


def _tiny(out: Path, data: Path, **options) -> TrainConfig:
    settings = {"embed_dim": 8, "epochs": 1, "batch_size": 32, "min_freq": 1, "progress": False}
    return TrainConfig(out=out, data=data, **(settings | options))


def test_a_trained_model_folder_has_a_model_card_the_hub_reads(tiny_model_dir: Path) -> None:
    card = ModelCard((tiny_model_dir / "README.md").read_text())  # huggingface_hub's own parser
    metrics = json.loads((tiny_model_dir / "metrics.json").read_text())

    assert card.data.library_name == "inksight" and card.data.license == "apache-2.0"
    assert {"sentiment-analysis", "movie-reviews"} <= set(card.data.tags)
    assert card.data.metrics == ["accuracy", "f1"]
    rows = metrics["data"]["rows"]
    assert f"Rows used: {rows['train']} train, {rows['val']} val, {rows['test']} test." in card.text
    assert f"| test | {rows['test']} | {metrics['test']['accuracy']:.4f} |" in card.text
    assert metrics["command"] in card.text and metrics["command"].startswith("inksight train ")
    for section in ("## Data", "## Split", "## Intended use", "## Limits", "## Provenance"):
        assert section in card.text
    assert "Sarcasm" in card.text and "OCR noise" in card.text and "Non-English" in card.text


def test_metrics_record_library_versions_the_git_commit_and_a_data_fingerprint(
    tiny_model_dir: Path,
) -> None:
    provenance = json.loads((tiny_model_dir / "metrics.json").read_text())["provenance"]

    assert set(provenance["versions"]) >= {"python", "inksight", "torch", "lightning", "spacy"}
    assert all(provenance["versions"].values())
    assert re.fullmatch(r"[0-9a-f]{64}", provenance["data_sha256"])
    # The whole install too: the same seed trains differently after packages move.
    assert re.fullmatch(r"[0-9a-f]{16}", provenance["install"])
    assert provenance["install"] in (tiny_model_dir / "README.md").read_text()
    if (ROOT / ".git").exists():  # run from a checkout: the commit the code came from
        assert re.fullmatch(r"[0-9a-f]{40}", provenance["git_commit"])


def test_the_data_fingerprint_follows_the_data_not_the_training_settings(
    tiny_model_dir: Path, tiny_reviews_csv: Path, tmp_path: Path
) -> None:
    other_data = tmp_path / "other.csv"
    frame = make_reviews()
    frame.loc[0, "label"] = 1 - frame.loc[0, "label"]  # one label flipped
    frame.to_csv(other_data, index=False)

    same = train_main(_tiny(tmp_path / "same", tiny_reviews_csv))  # other settings, same rows
    other = train_main(_tiny(tmp_path / "other", other_data))

    trained = json.loads((tiny_model_dir / "metrics.json").read_text())["provenance"]
    assert same["provenance"]["data_sha256"] == trained["data_sha256"]
    assert other["provenance"]["data_sha256"] != trained["data_sha256"]
    assert other["provenance"]["data_sha256"] in (tmp_path / "other" / "README.md").read_text()


def test_the_recorded_command_gives_the_same_config_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inksight.ui.cli import build_parser
    from inksight.ui.config_args import config_from_args

    monkeypatch.chdir(tmp_path)  # paths are recorded by name: run from the folder that holds them
    config = TrainConfig(
        out=Path("my model"), data=Path("d.csv"), bigrams=False, max_norm=2.0,
        pooling="mean", train_size=100, progress=False, lr_schedule="linear",
    )  # fmt: skip
    command = training_command(config)
    args = build_parser().parse_args(shlex.split(command)[1:])

    assert config_from_args(TrainConfig, args) == TrainConfig(**{**vars(config), "progress": True})
    assert "--progress" not in command and "--no-progress" not in command


def test_the_recorded_command_names_no_folder_of_this_machine(tmp_path: Path) -> None:
    config = TrainConfig(out=tmp_path / "my model", data=tmp_path / "mine.csv", progress=False)

    command = training_command(config)

    assert str(tmp_path) not in command
    assert "--out 'my model'" in command and "--data mine.csv" in command


def test_load_model_takes_a_hub_id_from_the_cache_and_refuses_to_download_by_default(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inksight.nlp.errors import NlpError
    from inksight.pipelines.train.default_model import load_model

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    repo = tmp_path / "models--someone--tiny"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / ("c" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("c" * 40)

    assert load_model("someone/tiny").classify("superb actor").label == "positive"
    with pytest.raises(NlpError, match="someone/elsewhere .*downloads are off.*ALLOW_DOWNLOAD=1"):
        load_model("someone/elsewhere")
