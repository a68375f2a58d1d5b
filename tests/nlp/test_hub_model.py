"""A sentiment model travels as a Hugging Face Hub repository: saved, found by id, pushed.

Nothing here reaches the network: sockets are blocked, the Hub cache is a folder the test builds
(``models--user--name/snapshots/<commit>/`` plus ``refs/main``), and the upload is a fake.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import huggingface_hub
import pytest

from inksight.nlp.classifier import SentimentClassifier
from inksight.nlp.errors import NlpError
from inksight.nlp.hub import MODEL_FILES

TEXTS = ["great plot, superb actor", "boring scene and awful ending", "the camera"]
COMMIT = "a" * 40


def _predictions(classifier: SentimentClassifier) -> list[dict]:
    return [r.to_dict() for r in classifier.classify_many(TEXTS)]


def put_in_hub_cache(
    cache: Path, repo_id: str, folder: Path, commit: str = COMMIT, branch: str | None = "main"
) -> Path:
    """Lay ``folder`` out as huggingface_hub's cache holds a downloaded repository."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = shutil.copytree(folder, repo / "snapshots" / commit)
    if branch:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / branch).write_text(commit)
    return snapshot


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every connection attempt is recorded and refused."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def test_save_pretrained_then_from_pretrained_predicts_the_same_and_keeps_the_card(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    original = SentimentClassifier.from_pretrained(tiny_model_dir)
    folder = original.save_pretrained(tmp_path / "saved")
    copy = SentimentClassifier.from_pretrained(folder)

    assert _predictions(copy) == _predictions(original)
    assert copy.metrics == original.metrics and copy.metrics["val"]["accuracy"] >= 0.9
    assert (folder / "README.md").read_text() == (tiny_model_dir / "README.md").read_text()


def test_a_hub_id_loads_from_the_hugging_face_cache_while_offline(
    tiny_model_dir: Path, hub_cache: Path, no_network: list
) -> None:
    put_in_hub_cache(hub_cache, "someone/tiny-sentiment", tiny_model_dir)

    loaded = SentimentClassifier.from_pretrained("someone/tiny-sentiment")

    assert _predictions(loaded) == _predictions(SentimentClassifier.from_pretrained(tiny_model_dir))
    assert no_network == []


def test_revision_picks_that_snapshot_of_a_hub_id(
    tiny_model_dir: Path, tmp_path: Path, hub_cache: Path, no_network: list
) -> None:
    put_in_hub_cache(hub_cache, "someone/tiny-sentiment", tiny_model_dir)
    older = SentimentClassifier.from_pretrained(tiny_model_dir)
    older.metrics = {"note": "an older upload"}
    old_folder = older.save_pretrained(tmp_path / "old")
    put_in_hub_cache(hub_cache, "someone/tiny-sentiment", old_folder, "b" * 40, branch=None)

    latest = SentimentClassifier.from_pretrained("someone/tiny-sentiment")
    old = SentimentClassifier.from_pretrained("someone/tiny-sentiment", revision="b" * 40)

    assert latest.metrics["val"]["accuracy"] >= 0.9
    assert old.metrics == {"note": "an older upload"}


@pytest.mark.parametrize("allow_download", [None, True])
def test_an_uncached_hub_id_fails_at_once_in_one_sentence_when_hf_hub_offline_is_set(
    hub_cache: Path, no_network: list, monkeypatch: pytest.MonkeyPatch, allow_download
) -> None:
    monkeypatch.setenv("INKSIGHT_ALLOW_DOWNLOAD", "1")  # HF_HUB_OFFLINE still wins
    start = time.perf_counter()
    with pytest.raises(NlpError) as caught:
        SentimentClassifier.from_pretrained("someone/not-here", allow_download=allow_download)
    elapsed = time.perf_counter() - start

    message = str(caught.value)
    assert elapsed < 0.5 and no_network == []
    assert "someone/not-here" in message and "HF_HUB_OFFLINE" in message
    assert message.count(". ") == 0 and message.endswith(".") and "\n" not in message


def test_an_uncached_hub_id_is_downloaded_only_when_allowed(
    tiny_model_dir: Path, hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    downloads: list[dict] = []
    real = huggingface_hub.snapshot_download

    def fake_snapshot_download(repo_id: str, **options):
        if not options.get("local_files_only"):  # "the Hub": fill the cache, as a download would
            downloads.append(options)
            put_in_hub_cache(hub_cache, repo_id, tiny_model_dir)
        return real(repo_id, local_files_only=True, cache_dir=options.get("cache_dir"))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    monkeypatch.setattr("inksight.nlp.hub._check_reachable", lambda what: None)

    with pytest.raises(NlpError, match="downloads are off"):
        SentimentClassifier.from_pretrained("someone/tiny-sentiment")
    assert downloads == []

    loaded = SentimentClassifier.from_pretrained("someone/tiny-sentiment", allow_download=True)

    assert loaded.classify("superb actor").label == "positive"
    assert set(downloads[0]["allow_patterns"]) == set(MODEL_FILES)


def test_push_to_hub_uploads_weights_config_vocabulary_metrics_and_card(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, no_network: list
) -> None:
    calls: dict = {}

    def create_repo(self, repo_id, **options):
        calls["create"] = {"repo_id": repo_id, "token": self.token, **options}

    def upload_folder(self, *, repo_id, folder_path, **options):
        calls["files"] = sorted(p.name for p in Path(folder_path).iterdir())
        calls["upload"] = {"repo_id": repo_id, **options}
        return "https://huggingface.co/someone/tiny/commit/1"

    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", create_repo)
    monkeypatch.setattr(huggingface_hub.HfApi, "upload_folder", upload_folder)

    classifier = SentimentClassifier.from_pretrained(tiny_model_dir)
    url = classifier.push_to_hub("someone/tiny", private=True, token="hf_test")

    assert url.endswith("/commit/1")
    assert calls["files"] == sorted(MODEL_FILES)
    assert calls["create"]["private"] is True and calls["create"]["token"] == "hf_test"
    assert calls["upload"]["repo_id"] == "someone/tiny" and no_network == []


@pytest.mark.parametrize(
    ("repo_id", "offline", "problem"),
    [("not a hub id", "0", "is not a Hub id"), ("someone/tiny", "1", "HF_HUB_OFFLINE is set")],
)
def test_push_to_hub_refuses_a_bad_id_or_an_offline_hub_in_one_sentence(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, repo_id, offline, problem
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", offline)
    with pytest.raises(NlpError, match=problem):
        SentimentClassifier.from_pretrained(tiny_model_dir).push_to_hub(repo_id)
