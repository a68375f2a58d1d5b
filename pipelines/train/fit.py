"""`inksight train`: raw reviews -> split -> tokens -> vocabulary -> Lightning training -> model folder."""

from __future__ import annotations

import contextlib
import copy
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytorch_lightning as pl
import torch

from inksight.nlp.classifier import LABELS, load_classifier, save_classifier
from inksight.nlp.data import collate_batch, encode_sequences
from inksight.nlp.lightning import SentimentDataModule, SentimentModule
from inksight.nlp.model import ModelConfig
from inksight.nlp.preprocess import PreprocessConfig
from inksight.nlp.vocab import Vocab, add_bigrams
from inksight.pipelines.assets import default_model_dir
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.data import load_splits, tokenized_reviews

if TYPE_CHECKING:
    from inksight.pipelines.train.pretrained import InitialEmbeddings

__all__ = ["train_main", "evaluate_model", "classification_metrics", "subsample"]


class _KeepBestWeights(pl.Callback):
    """Holds the weights of the best validation epoch in memory (no pickled .ckpt files)."""

    def __init__(self) -> None:
        self.best_acc = -1.0
        self.best_epoch = -1
        self.state: dict | None = None

    def on_validation_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        acc = float(trainer.callback_metrics["val/acc"])
        if acc > self.best_acc:
            self.best_acc, self.best_epoch = acc, trainer.current_epoch
            self.state = copy.deepcopy(module.model.state_dict())


def subsample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of a stratified random subset of ``size`` items (sorted)."""
    if size >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = max(1, round(size * len(members) / len(labels)))
        chosen.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))[:size]


def classification_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, F1 of the positive class and the confusion matrix (rows: true neg/pos)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {
        "accuracy": round(float((labels == predicted).mean()), 4) if len(labels) else 0.0,
        "f1": round(f1, 4),
        "confusion_matrix": {"labels": list(LABELS), "matrix": [[tn, fp], [fn, tp]]},
        "n": int(len(labels)),
    }


@torch.inference_mode()
def _predict(
    model: torch.nn.Module, sequences: list[np.ndarray], batch_size: int = 256
) -> np.ndarray:
    model.eval()
    out = []
    for start in range(0, len(sequences), batch_size):
        chunk = sequences[start : start + batch_size]
        batch = collate_batch([(seq, 0) for seq in chunk])
        out.append(model(batch["ids"]).argmax(dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def train_main(config: TrainConfig) -> dict:
    """Train one model and write its folder; returns the metrics written to ``metrics.json``."""
    started = time.perf_counter()
    pl.seed_everything(config.seed, verbose=False)
    out = Path(config.out) if config.out else default_model_dir()
    preprocess = PreprocessConfig(keep_negations=config.keep_negations)
    tokens, labels = _training_data(config, preprocess)
    vocab, sequences = _encode(config, tokens)
    module, start = _build_module(config, vocab, tokens["train"])
    with _quiet_lightning():
        best, epochs_run, fit_seconds = _fit(config, module, sequences, labels)
    module.model.load_state_dict(best.state)
    model = module.model.cpu()
    metrics = {
        "val": classification_metrics(labels["val"], _predict(model, sequences["val"])),
        "best_epoch": best.best_epoch + 1,
        "epochs_run": epochs_run,
        "train_seconds": round(fit_seconds, 2),
        "total_seconds": None,
        "train_reviews": int(len(labels["train"])),
        "vocab_size": len(vocab),
        "trainable_parameters": _trainable_parameters(config, model, start),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
    }
    if config.test and len(labels["test"]):
        metrics["test"] = classification_metrics(labels["test"], _predict(model, sequences["test"]))
    metrics["total_seconds"] = round(time.perf_counter() - started, 2)
    info = {"embeddings": start.describe() if start else {"init": "scratch", "frozen": False}}
    save_classifier(
        out,
        model,
        vocab,
        preprocess,
        max_len=config.max_len,
        bigrams=config.bigrams,
        info=info,
        metrics=metrics,
    )
    return metrics


@contextlib.contextmanager
def _quiet_lightning() -> Iterator[None]:
    """Lightning's start-up notes (GPU/TPU availability, tips) are noise in a CLI; the caller's
    logging and warning settings are back as they were afterwards (a notebook keeps its own)."""
    logger = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*treespec.*", module="pytorch_lightning")
            yield
    finally:
        logger.setLevel(level)


def _training_data(
    config: TrainConfig, preprocess: PreprocessConfig
) -> tuple[dict[str, list[list[str]]], dict[str, np.ndarray]]:
    """Token lists and labels per split, the training split cut to ``--train-size``.

    Raises:
        PipelineError: ``--train-size`` exceeds the training split, or no validation split is left.
    """
    splits = load_splits(config.data)
    tokens = {name: tokenized_reviews(frame, preprocess) for name, frame in splits.items()}
    labels = {name: frame["label"].to_numpy() for name, frame in splits.items()}
    if config.train_size is not None:
        if config.train_size > len(labels["train"]):
            raise PipelineError(
                f"--train-size {config.train_size} is larger than the training split "
                f"({len(labels['train'])} reviews)."
            )
        keep = subsample(labels["train"], config.train_size, config.seed)
        tokens["train"] = [tokens["train"][i] for i in keep]
        labels["train"] = labels["train"][keep]
    if len(labels["val"]) == 0:
        raise PipelineError("the data is too small to hold out a validation split.")
    return tokens, labels


def _encode(
    config: TrainConfig, tokens: dict[str, list[list[str]]]
) -> tuple[Vocab, dict[str, list[np.ndarray]]]:
    """The vocabulary of the training split (with bigrams if asked) and every split as ids."""
    features = (lambda t: add_bigrams(t[: config.max_len])) if config.bigrams else (lambda t: t)
    vocab = Vocab.build(
        (features(t) for t in tokens["train"]), min_freq=config.min_freq, max_size=config.max_vocab
    )
    sequences = {
        name: encode_sequences(toks, vocab, max_len=config.max_len, bigrams=config.bigrams)
        for name, toks in tokens.items()
    }
    return vocab, sequences


def _build_module(
    config: TrainConfig, vocab: Vocab, train_tokens: list[list[str]]
) -> tuple[SentimentModule, InitialEmbeddings | None]:
    """The LightningModule, its Embedding started from pretrained vectors when asked."""
    start = None
    if config.embeddings != "scratch":
        from inksight.pipelines.train.pretrained import initial_embeddings

        start = initial_embeddings(config, vocab, train_tokens)
    model_config = ModelConfig(
        vocab_size=len(vocab),
        embed_dim=start.dim if start else config.embed_dim,
        pooling=config.pooling,
        dropout=config.dropout,
        init_std=config.init_std,
    )
    module = SentimentModule(
        asdict(model_config),
        lr=config.lr,
        weight_decay=config.weight_decay,
        freeze_embeddings=config.freeze,
        trainable_rows=start.trainable_rows if start and config.train_unknown else None,
    )
    if start is not None:
        with torch.no_grad():
            module.model.embedding.weight.copy_(torch.as_tensor(start.matrix))
    return module, start


def _fit(
    config: TrainConfig,
    module: SentimentModule,
    sequences: dict[str, list[np.ndarray]],
    labels: dict[str, np.ndarray],
) -> tuple[_KeepBestWeights, int, float]:
    """Train with early stopping on val/acc; returns the best weights, epochs run and seconds."""
    datamodule = SentimentDataModule(
        {name: (sequences[name], labels[name]) for name in ("train", "val")},
        batch_size=config.batch_size,
        seed=config.seed,
    )
    best = _KeepBestWeights()
    trainer = pl.Trainer(
        max_epochs=config.epochs,
        accelerator="auto",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=config.progress,
        deterministic=True,
        callbacks=[
            best,
            pl.callbacks.EarlyStopping("val/acc", mode="max", patience=config.patience),
        ],
    )
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule)
    return best, trainer.current_epoch, time.perf_counter() - started


def _trainable_parameters(
    config: TrainConfig, model: torch.nn.Module, start: InitialEmbeddings | None
) -> int:
    count = int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    if config.freeze and config.train_unknown and start is not None:
        # The gradient hook trains only the rows without a pretrained vector.
        frozen_rows = model.embedding.num_embeddings - len(start.trainable_rows)
        count -= frozen_rows * model.embedding.embedding_dim
    return count


def evaluate_model(
    model_dir: str | Path, data: str | Path | None = None, split: str = "test"
) -> dict:
    """Score a saved model on a split of the data it names (default: the IMDB test split)."""
    classifier = load_classifier(model_dir)
    frame = load_splits(data)[split]
    tokens = tokenized_reviews(frame, classifier.preprocessor.config)
    sequences = encode_sequences(
        tokens, classifier.vocab, max_len=classifier.max_len, bigrams=classifier.bigrams
    )
    return classification_metrics(frame["label"].to_numpy(), _predict(classifier.model, sequences))
