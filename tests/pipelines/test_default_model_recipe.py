"""A cached default model made by an older recipe says so once, instead of passing for today's."""

from __future__ import annotations

import json
from dataclasses import asdict

from inksight.nlp.preprocess import TEXT_CLEANING
from inksight.pipelines.train import default_model
from inksight.pipelines.train.config import TrainConfig


def _cached_default(home, config: dict, text_cleaning: int | None = TEXT_CLEANING):
    folder = home / "models" / "default"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"")  # present: nothing is trained
    provenance = {} if text_cleaning is None else {"text_cleaning": text_cleaning}
    (folder / "metrics.json").write_text(json.dumps({"config": config, "provenance": provenance}))
    return folder


def test_a_default_model_of_an_older_recipe_is_named_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    old = {k: v for k, v in asdict(TrainConfig()).items() if k != "keep_contrast"}
    folder = _cached_default(tmp_path, old | {"dropout": 0.3, "min_freq": 2})
    default_model._say_if_stale.cache_clear()

    assert default_model.ensure_default_model() == folder
    assert default_model.ensure_default_model() == folder
    said = capsys.readouterr().err
    assert said.count("was trained with an older recipe") == 1
    assert "dropout 0.3 -> 0.5" in said and "keep_contrast unset -> True" in said
    assert "run `inksight train`" in said


def test_a_default_model_whose_text_was_cleaned_differently_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    _cached_default(tmp_path, asdict(TrainConfig()) | {"out": None}, text_cleaning=None)
    default_model._say_if_stale.cache_clear()

    default_model.ensure_default_model()
    said = capsys.readouterr().err
    assert "older recipe (text cleaning unset -> " in said and "run `inksight train`" in said


def test_a_default_model_of_todays_recipe_or_a_chosen_model_says_nothing(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    _cached_default(tmp_path, asdict(TrainConfig()) | {"out": None})
    default_model._say_if_stale.cache_clear()
    default_model.ensure_default_model()
    assert capsys.readouterr().err == ""

    chosen = tmp_path / "mine"
    chosen.mkdir()
    (chosen / "model.safetensors").write_bytes(b"")
    (chosen / "metrics.json").write_text(json.dumps({"config": {"dropout": 0.1}}))
    monkeypatch.setenv("INKSIGHT_MODEL", str(chosen))  # the user's own model is not "older"
    default_model._say_if_stale.cache_clear()
    assert default_model.ensure_default_model() == chosen
    assert capsys.readouterr().err == ""
