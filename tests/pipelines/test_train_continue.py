"""`inksight train --from MODEL`: continue a model on a user's own reviews (tiny models: plumbing)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pandas as pd
import pytest

from inksight.nlp.classifier import load_classifier
from inksight.nlp.errors import NlpError
from inksight.pipelines.assets import default_model_dir
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main
from inksight.ui.cli import main

# Words the tiny model has never seen; in the user's reviews they carry the sentiment.
NEW_POSITIVE, NEW_NEGATIVE = "zorgful", "blerghy"


@pytest.fixture(scope="module")
def own_reviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(3)
    rows = []
    for i in range(160):
        label = i % 2
        words = rng.sample(["movie", "film", "plot", "scene", "story", "camera"], 3)
        words.append(NEW_POSITIVE if label else NEW_NEGATIVE)
        rng.shuffle(words)
        rows.append({"text": "The " + " ".join(words) + ".", "label": label})
    path = tmp_path_factory.mktemp("own") / "mine.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()


@pytest.fixture(scope="module")
def continued(tiny_model_dir: Path, own_reviews: Path, tmp_path_factory: pytest.TempPathFactory):
    before = _digest(tiny_model_dir)
    out = tmp_path_factory.mktemp("continued") / "mine"
    metrics = train_main(
        TrainConfig(
            out=out, data=own_reviews, start_from=str(tiny_model_dir), epochs=6, patience=6,
            batch_size=16, lr=0.02, min_freq=1, progress=False,
        )
    )  # fmt: skip
    assert _digest(tiny_model_dir) == before  # the starting model is never touched
    return out, metrics


def test_continued_model_learns_the_users_new_words(tiny_model_dir, continued):
    with pytest.raises(NlpError, match="none of the review's"):
        load_classifier(tiny_model_dir).classify(f"{NEW_POSITIVE} {NEW_NEGATIVE}")
    out, metrics = continued
    clf = load_classifier(out)
    assert clf.classify(f"a {NEW_POSITIVE} movie").label == "positive"
    assert clf.classify(f"a {NEW_NEGATIVE} movie").label == "negative"
    assert metrics["new_words"] >= 2 and metrics["val"]["accuracy"] >= 0.9


def test_continued_model_keeps_the_old_vocabulary_and_what_it_knew(tiny_model_dir, continued):
    out, _ = continued
    old, new = load_classifier(tiny_model_dir), load_classifier(out)
    assert new.vocab.itos[: len(old.vocab)] == old.vocab.itos  # old ids keep their meaning
    assert new.preprocessor.config == old.preprocessor.config and new.bigrams == old.bigrams
    assert new.classify("A wonderful and brilliant film.").label == "positive"
    assert new.classify("A dull and dreadful film.").label == "negative"
    assert new.info["started_from"] == str(tiny_model_dir)


def test_cli_from_writes_a_new_folder_and_leaves_the_default_model_alone(
    tiny_model_dir, own_reviews, capsys
):
    args = ["train", "--data", str(own_reviews), "--from", str(tiny_model_dir), "--epochs", "1"]
    code = main([*args, "--min-freq", "1", "--no-progress"])
    printed = capsys.readouterr().out
    expected = default_model_dir().parent / f"{tiny_model_dir.name}+{own_reviews.stem}"
    assert code == 0
    assert f"Model written to {expected}" in printed and "new words added" in printed
    assert (expected / "model.safetensors").is_file()
    assert not default_model_dir().exists()


def test_from_a_missing_folder_is_one_clear_sentence(own_reviews, tmp_path, capsys):
    code = main(["train", "--data", str(own_reviews), "--from", str(tmp_path / "nope")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
