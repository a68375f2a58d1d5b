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
