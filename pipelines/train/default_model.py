"""The default sentiment model: found in the cache, or trained there on first use.

Only the edges (the ``inksight`` commands and the notebook facade ``inksight.classify``...) call
``ensure_default_model``: training takes minutes, so nothing deeper does it as a side effect.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inksight.pipelines.assets import default_model_dir
from inksight.pipelines.train.config import TrainConfig

if TYPE_CHECKING:
    from inksight.nlp.classifier import SentimentClassifier

__all__ = ["default_model_dir", "ensure_default_model", "load_model"]


def ensure_default_model(*, rebuild: bool = False, progress: bool = True) -> Path:
    """The default model's folder, training it first (with a progress bar) when it is missing."""
    folder = default_model_dir()
    if rebuild or not (folder / "model.safetensors").is_file():
        from inksight.pipelines.train.fit import train_main

        print(
            f"No default model yet: training one on the IMDB reviews into {folder} "
            "(a few minutes, once).",
            file=sys.stderr,
        )
        metrics = train_main(TrainConfig(out=folder, progress=progress))
        print(
            f"Default model ready: test accuracy {metrics['test']['accuracy']:.3f}.",
            file=sys.stderr,
        )
    return folder


def load_model(model_dir: str | Path | None = None) -> SentimentClassifier:
    """A given model folder, or the default model (trained on first use)."""
    from inksight.nlp.classifier import load_classifier  # torch: only when a model is loaded

    return load_classifier(model_dir if model_dir else ensure_default_model())
