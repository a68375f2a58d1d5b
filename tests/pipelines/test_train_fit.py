"""Training from a notebook or a program leaves the caller's logging and warnings as they were."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main


def test_training_leaves_the_callers_warning_filters_and_logger_levels(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    lightning_notes = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    lightning_notes.setLevel(logging.INFO)  # a user who wants Lightning's notes

    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, epochs=1, batch_size=32,
            min_freq=1, progress=False,
        )
    )  # fmt: skip

    assert metrics["epochs_run"] == 1
    # Libraries add filters of their own when first imported; Inksight's own must not stay.
    left = [f for f in warnings.filters if f[1] is not None and "treespec" in f[1].pattern]
    assert left == []
    assert lightning_notes.level == logging.INFO


def test_every_regulariser_at_once_still_learns_and_saves_a_plain_model(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier

    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=16, epochs=6, patience=6,
            batch_size=16, lr=0.02, min_freq=1, progress=False, crops_per_review=2, crop_min=2,
            crop_max=4, token_dropout=0.1, embed_dropout=0.1, label_smoothing=0.1, max_norm=1.0,
            average_last=2,
        )
    )  # fmt: skip

    assert metrics["val"]["accuracy"] >= 0.9 and 0 <= metrics["val"]["ece"] <= 1
    assert metrics["cpu_seconds"] > 0
    clf = load_classifier(tmp_path / "m")
    assert clf.model.embedding.max_norm is None  # prediction never rewrites the weights
    assert clf.classify("superb").label == "positive"  # one known word is enough
    assert clf.classify("dreadful").label == "negative"
