"""`--model` takes a Hub id wherever it takes a folder; `inksight train --push-to-hub` uploads."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import huggingface_hub
import pytest

from inksight.ui.cli import main

COMMIT = "d" * 40


@pytest.fixture
def offline_hub_copy(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tiny model as ``someone/tiny`` in a Hugging Face cache, with the Hub off and sockets
    refused."""
    repo = tmp_path / "hf" / "models--someone--tiny"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / COMMIT)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network used"))
    return "someone/tiny"


def test_predict_and_evaluate_take_a_hub_id_from_the_cache(
    offline_hub_copy: str, tiny_reviews_csv: Path, capsys: pytest.CaptureFixture
) -> None:
    code = main(["predict", "--model", offline_hub_copy, "--json", "superb story", "dull plot"])
    labels = [json.loads(line)["label"] for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and labels == ["positive", "negative"]

    code = main(
        ["evaluate", "--model", offline_hub_copy, "--data", str(tiny_reviews_csv), "--json"]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["accuracy"] >= 0.9


def test_predict_names_a_hub_id_that_is_not_here(
    offline_hub_copy: str, capsys: pytest.CaptureFixture
) -> None:
    code = main(["predict", "--model", "someone/missing", "good"])
    err = capsys.readouterr().err
    assert code == 2 and "someone/missing" in err and "Traceback" not in err


def test_train_push_to_hub_uploads_the_new_folder_with_its_model_card(
    tiny_reviews_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads: list[dict] = []

    def upload_folder(self, *, repo_id, folder_path, **options):
        files = sorted(p.name for p in Path(folder_path).iterdir())
        uploads.append({"repo_id": repo_id, "files": files, **options})
        return "https://huggingface.co/someone/tiny/commit/2"

    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", lambda self, *a, **k: None)
    monkeypatch.setattr(huggingface_hub.HfApi, "upload_folder", upload_folder)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    out = tmp_path / "m"

    code = main([
        "train", "--data", str(tiny_reviews_csv), "--out", str(out), "--epochs", "1",
        "--embed-dim", "8", "--min-freq", "1", "--no-progress", "--push-to-hub", "someone/tiny",
    ])  # fmt: skip

    assert code == 0 and len(uploads) == 1 and uploads[0]["repo_id"] == "someone/tiny"
    assert {"README.md", "metrics.json", "model.safetensors"} <= set(uploads[0]["files"])
    assert set(uploads[0]["allow_patterns"]) <= set(uploads[0]["files"])


def test_train_push_to_hub_with_a_malformed_id_fails_before_training(
    tiny_reviews_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "m"
    code = main(["train", "--data", str(tiny_reviews_csv), "--out", str(out), "--push-to-hub", "x"])
    assert code == 2 and "not a Hub id" in capsys.readouterr().err
    assert not out.exists()
