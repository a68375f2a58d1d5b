"""The default sentiment model: found in the cache, or trained there on first use.

Only the edges (the ``inksight`` commands and the notebook facade ``inksight.classify``...) call
``ensure_default_model``: training takes minutes, so nothing deeper does it as a side effect.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from inksight.nlp.hub import check_push_target
from inksight.nlp.preprocess import TEXT_CLEANING
from inksight.pipelines.assets import default_model_dir, sentiment_model_path
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig

if TYPE_CHECKING:
    from inksight.nlp.classifier import SentimentClassifier

__all__ = [
    "check_push_target",
    "default_model_dir",
    "ensure_default_model",
    "load_model",
    "local_model_folder",
    "push_model",
]


def ensure_default_model(*, rebuild: bool = False, progress: bool = True) -> Path:
    """The default model's folder, training it first (with a progress bar) when it is missing.

    Two processes that both find it missing (two benchmarks started side by side on a fresh
    machine, a notebook beside the app) train it once: the second waits for the first's model.
    """
    folder = default_model_dir()
    with _training_lock(folder):
        if not rebuild and (folder / "model.safetensors").is_file():
            _say_if_stale(folder)
            return folder
        from inksight.pipelines.train.fit import train_main

        print(
            f"No default model yet: training one on the IMDB reviews into {folder} "
            "(a few minutes, once).",
            file=sys.stderr,
        )
        metrics = train_main(TrainConfig(out=folder, progress=progress))
    print(f"Default model ready: test accuracy {metrics['test']['accuracy']:.3f}.", file=sys.stderr)
    return folder


@contextlib.contextmanager
def _training_lock(folder: Path) -> Iterator[None]:
    """Held while the default model is looked for and, if missing, trained: a model folder is
    written file by file, so nobody reads one that another process is still writing."""
    from inksight.pipelines.batch.journal import FileLock

    lock = folder.with_name(folder.name + ".lock")
    busy = f"another Inksight process is training the default model into {folder}."
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        held = FileLock(lock, busy)
    except PipelineError:
        print(f"Waiting: {busy}", file=sys.stderr)
        held = FileLock(lock, busy, wait=True)
    except OSError:  # a model in a read-only place (INKSIGHT_MODEL): nobody trains it there
        if not (folder / "model.safetensors").is_file():
            raise
        held = contextlib.nullcontext()
    with held:
        yield


# The settings that make the default recipe (docs/sentiment.md); a cached default model trained
# with other values was made by an older Inksight.
RECIPE = (
    "dropout",
    "min_freq",
    "keep_negations",
    "keep_contrast",
    "bigrams",
    "embed_dim",
    "max_len",
)


def stale_recipe(folder: Path) -> list[str]:
    """The recipe settings in which the model in ``folder`` was trained differently from today's
    default, as ``"name old -> new"`` (empty when it matches or its training is not recorded)."""
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        trained = metrics["config"]
        cleaning = metrics.get("provenance", {}).get("text_cleaning", "unset")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    current = asdict(TrainConfig())
    # A setting missing from an old model's record did not exist yet: it was trained without it.
    changed = [
        f"{name} {trained.get(name, 'unset')} -> {current[name]}"
        for name in RECIPE
        if trained.get(name, "unset") != current[name]
    ]
    if cleaning != TEXT_CLEANING:  # its words were read differently ("7/10" dropped, ...)
        changed.append(f"text cleaning {cleaning} -> {TEXT_CLEANING}")
    return changed


@functools.cache  # once per process and folder
def _say_if_stale(folder: Path) -> None:
    if os.environ.get("INKSIGHT_MODEL"):  # a model the user chose, not the cached default
        return
    changed = stale_recipe(folder)
    if changed:
        print(
            f"The default model in {folder} was trained with an older recipe "
            f"({', '.join(changed)}); run `inksight train` to retrain it with the current one "
            "(a few minutes).",
            file=sys.stderr,
        )


def local_model_folder(model: str | Path | None = None) -> Path:
    """The folder of ``model``: a folder, a Hub id (``user/name``) from the Hugging Face cache or,
    when downloads are allowed, the Hub; or the default model (trained on first use)."""
    return sentiment_model_path(model) if model else ensure_default_model()


def load_model(model: str | Path | None = None) -> SentimentClassifier:
    """A given model folder or Hub id, or the default model (trained on first use)."""
    from inksight.nlp.classifier import load_classifier  # torch: only when a model is loaded

    return load_classifier(local_model_folder(model))


def push_model(folder: str | Path, repo_id: str, *, private: bool = False) -> str:
    """Upload a model folder (weights, config, vocabulary, metrics, model card) to the Hugging
    Face Hub repository ``repo_id``, created when missing; returns the commit URL."""
    from inksight.nlp.hub import push_folder

    return push_folder(folder, repo_id, private=private)
