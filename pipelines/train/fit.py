"""`inksight train`: raw reviews -> split -> tokens -> vocabulary -> Lightning training -> model folder."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytorch_lightning as pl
import torch

from inksight.nlp.classifier import LABELS, SentimentClassifier, load_classifier, save_classifier
from inksight.nlp.data import ReviewWindows, batch_logits, encode_parts, encode_sequences
from inksight.nlp.lightning import SentimentDataModule, SentimentModule, fold_members
from inksight.nlp.model import ModelConfig
from inksight.nlp.preprocess import PreprocessConfig
from inksight.nlp.vocab import Vocab, add_bigrams
from inksight.pipelines.assets import default_model_dir
from inksight.pipelines.devices import lightning_options
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.calibration import calibrate
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.data import load_splits, sentence_views, tokenized_reviews
from inksight.pipelines.train.provenance import data_description, provenance, training_command

if TYPE_CHECKING:
    from inksight.pipelines.train.pretrained import InitialEmbeddings

__all__ = [
    "train_main",
    "evaluate_model",
    "evaluate_texts",
    "classification_metrics",
    "expected_calibration_error",
    "subsample",
]


class _KeepBestWeights(pl.Callback):
    """Holds the weights of the best validation epoch in memory (no pickled .ckpt files).

    "Best" is the highest ``val/acc``, or with ``monitor="val/loss"`` the lowest validation loss
    (steadier on the few dozen validation reviews of a user's own data). With ``average`` > 1
    the kept weights are the mean of the best epoch and the ``average - 1`` epochs before it
    (checkpoint averaging). ``start`` is the (score, weights) a continued model begins with:
    training must beat it, or the starting weights are kept.
    """

    def __init__(
        self, average: int = 1, start: tuple[float, dict] | None = None, monitor: str = "val/acc"
    ) -> None:
        self.monitor, self.sign = monitor, (-1.0 if monitor.endswith("loss") else 1.0)
        self.best, self.state = (self.sign * start[0], start[1]) if start else (-np.inf, None)
        self.best_epoch = -1
        self.recent: deque[dict] = deque(maxlen=average)

    def on_validation_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        state = {k: v.detach().clone() for k, v in module.model.state_dict().items()}
        self.recent.append(state)
        score = self.sign * float(trainer.callback_metrics[self.monitor])
        if score > self.best:
            self.best, self.best_epoch = score, trainer.current_epoch
            self.state = {k: torch.stack([s[k] for s in self.recent]).mean(0) for k in state}


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


def expected_calibration_error(labels: np.ndarray, p_positive: np.ndarray, bins: int = 15) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted by
    how many predictions fall in each (0 = the stated probabilities are honest)."""
    labels, p_positive = np.asarray(labels), np.asarray(p_positive, dtype=float)
    if len(labels) == 0:
        return 0.0
    confidence = np.maximum(p_positive, 1 - p_positive)
    correct = (p_positive >= 0.5).astype(int) == labels
    which = np.minimum(((confidence - 0.5) * 2 * bins).astype(int), bins - 1)
    gap = sum(
        abs(correct[which == b].mean() - confidence[which == b].mean()) * (which == b).sum()
        for b in range(bins)
        if (which == b).any()
    )
    return round(float(gap / len(labels)), 4)


def classification_metrics(
    labels: np.ndarray, predicted: np.ndarray, p_positive: np.ndarray | None = None
) -> dict:
    """Accuracy, F1 of the positive class, the confusion matrix (rows: true neg/pos) and, given
    the probabilities, the expected calibration error."""
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
        **(
            {"ece": expected_calibration_error(labels, p_positive)}
            if p_positive is not None
            else {}
        ),
    }


def _scores(labels: np.ndarray, p_positive: np.ndarray) -> dict:
    return classification_metrics(labels, (p_positive >= 0.5).astype(int), p_positive)


def _predict(model: torch.nn.Module, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """The probability of 'positive' for each sequence."""
    return torch.softmax(batch_logits(model, sequences), dim=-1)[:, 1].numpy()


def train_main(config: TrainConfig) -> dict:
    """Train one model and write its folder; returns the metrics written to ``metrics.json``."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    lightning_options(config.device, config.dtype)  # a missing GPU is said before the data work
    pl.seed_everything(config.seed, verbose=False)
    out = _output_folder(config)
    base = _starting_model(config)
    if base is not None:  # a continued model keeps how its tokens are made
        config = replace(config, max_len=base.max_len, bigrams=base.bigrams)
    preprocess = _preprocessing(config, base)
    tokens, labels = _training_data(config, preprocess)
    vocab = _vocabulary(config, tokens["train"], base)
    encode = {"vocab": vocab, "max_len": config.max_len, "bigrams": config.bigrams}
    parts = encode_parts(tokens["train"], **encode)
    sequences = {name: encode_sequences(tokens[name], **encode) for name in ("val", "test")}
    module, start = _build_module(config, vocab, tokens["train"], base)
    with _quiet_lightning():
        best, epochs_run, fit_seconds = _fit(config, module, parts, sequences, labels)
    model = module.model.cpu()
    model.load_state_dict(best.state)
    model.embedding.max_norm = None
    if config.members > 1:  # from K side-by-side members to the one model that is their mean
        fold_members(model, config.members)
    if config.calibrate:  # one scalar on the logits, fitted on validation reviews whole and short
        calibrate(model, tokens["calibration"], labels["calibration"], encode)
    metrics = {
        "val": _scores(labels["val"], _predict(model, sequences["val"])),
        "best_epoch": best.best_epoch + 1,  # 0: the starting model was never beaten
        "epochs_run": epochs_run,
        "train_seconds": round(fit_seconds, 2),
        "total_seconds": None,
        "train_reviews": int(len(labels["train"])),
        "vocab_size": len(vocab),
        "new_words": len(vocab) - len(base.vocab) if base else None,
        "model_dir": str(out),
        "trainable_parameters": _trainable_parameters(config, model, start),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
        "command": training_command(config),  # quoted by the model card (README.md)
        "data": data_description(config, labels),
        "provenance": provenance(config, tokens, labels),
    }
    if config.test and len(labels["test"]):
        metrics["test"] = _scores(labels["test"], _predict(model, sequences["test"]))
    metrics["total_seconds"] = round(time.perf_counter() - started, 2)
    metrics["cpu_seconds"] = round(_cpu_seconds() - cpu_started, 2)
    info = {"embeddings": start.describe() if start else {"init": "scratch", "frozen": False}}
    if base is not None:
        info = {**base.info, "started_from": str(config.start_from)}
    save_classifier(
        out, model, vocab, preprocess, max_len=config.max_len, bigrams=config.bigrams,
        info=info, metrics=metrics,
    )  # fmt: skip
    return metrics


def _preprocessing(config: TrainConfig, base: SentimentClassifier | None) -> PreprocessConfig:
    """How the training text is cleaned: a continued model's own way, or as the options say."""
    if base is not None:
        return base.preprocessor.config
    return PreprocessConfig(
        keep_negations=config.keep_negations,
        keep_contrast=config.keep_contrast,
        remove_stopwords=not config.keep_stopwords,
        lemmatize=config.lemmatize,
        negation_scope=config.negation_scope,
    )


def _output_folder(config: TrainConfig) -> Path:
    """``--out``; else the default model, or for a continued model a folder of its own in the
    cache (continuing never overwrites the default model unless ``--out`` says so)."""
    if config.out:
        return Path(config.out)
    if not config.start_from:
        return default_model_dir()
    source = "default" if config.start_from == "default" else Path(config.start_from).name
    data = Path(config.data).stem if config.data else "imdb"
    return default_model_dir().parent / f"{source}+{data}"


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers (tokenization forks two)."""
    try:
        import resource  # POSIX only
    except ImportError:  # Windows: this process alone
        return time.process_time()
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _starting_model(config: TrainConfig) -> SentimentClassifier | None:
    """The model ``--start-from`` names: ``default`` or a folder. Training never trains a second
    model as a side effect: the command line makes sure the default model exists first.

    Raises:
        PipelineError: ``default`` is asked for and there is no default model yet.
    """
    if not config.start_from:
        return None
    if config.start_from == "default":
        folder = default_model_dir()
        if not (folder / "model.safetensors").is_file():
            raise PipelineError(
                f"there is no default model in {folder} yet; train it once with `inksight train` "
                "or continue from a model folder."
            )
        return load_classifier(folder)
    return load_classifier(Path(config.start_from).expanduser())


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
        splits["train"] = splits["train"].iloc[keep]
    if len(labels["val"]) == 0:
        raise PipelineError("the data is too small to hold out a validation split.")
    if config.teacher == "tfidf":  # out-of-fold P(positive) of each training review
        from inksight.pipelines.extras import require
        from inksight.pipelines.train.teacher import out_of_fold_probabilities

        require("lab", "--teacher tfidf")
        texts = splits["train"]["text"].tolist()
        labels["teacher"] = out_of_fold_probabilities(texts, labels["train"], seed=config.seed)
    if config.calibrate:  # each validation review whole, then cut to its first / a random sentence
        short = sentence_views(splits["val"], config.seed)
        tokens["calibration"] = tokens["val"] + tokenized_reviews(short, preprocess)
        labels["calibration"] = np.concatenate([labels["val"], short["label"].to_numpy()])
    return tokens, labels


def _vocabulary(
    config: TrainConfig, train_tokens: list[list[str]], base: SentimentClassifier | None
) -> Vocab:
    """The training split's vocabulary (with bigrams if asked); a continued model keeps its
    own vocabulary whole and appends the words it lacks (``--max-vocab`` does not cut it)."""
    features = (lambda t: add_bigrams(t[: config.max_len])) if config.bigrams else (lambda t: t)
    size = config.max_vocab if base is None else 1 << 30
    vocab = Vocab.build(
        (features(t) for t in train_tokens), min_freq=config.min_freq, max_size=size
    )
    if base is None:
        return vocab
    new = [token for token in vocab.itos[2:] if token not in base.vocab]
    return Vocab([*base.vocab.itos, *new], {**base.vocab.freqs, **{t: vocab.freqs[t] for t in new}})


def _build_module(
    config: TrainConfig,
    vocab: Vocab,
    train_tokens: list[list[str]],
    base: SentimentClassifier | None = None,
) -> tuple[SentimentModule, InitialEmbeddings | None]:
    """The LightningModule, its Embedding started from pretrained vectors, from ``base`` or, with
    ``token_seeded_init``, from each token's own seed."""
    start = None
    if config.embeddings != "scratch":
        from inksight.pipelines.train.pretrained import initial_embeddings

        start = initial_embeddings(config, vocab, train_tokens)
        if config.random_dims:  # [pretrained | random] columns, fine-tuned together
            rng = np.random.default_rng(config.seed)
            extra = rng.normal(0.0, config.init_std, (len(vocab), config.random_dims))
            extra[0] = 0.0  # <pad>
            start.matrix = np.hstack([start.matrix, extra.astype(np.float32)])
    if base is not None:  # the architecture belongs to the model being continued
        model_config = ModelConfig(**{**base.model.config.to_dict(), "vocab_size": len(vocab)})
    else:
        model_config = ModelConfig(
            vocab_size=len(vocab),
            embed_dim=start.dim if start else config.embed_dim * config.members,
            pooling=config.pooling,
            floor=config.floor,
            dropout=config.dropout,
            embed_dropout=config.embed_dropout,
            init_std=config.init_std,
        )
    module = _new_module(config, model_config, start)
    with torch.no_grad():
        if config.token_seeded_init:
            _restart_from_token_seeds(module, config, model_config, vocab)
        if start is not None:
            module.model.embedding.weight.copy_(torch.as_tensor(start.matrix))
        if base is not None:  # old rows and the Linear layer as they were; new rows stay small
            module.model.embedding.weight[: len(base.vocab)] = base.model.embedding.weight
            module.model.classifier.load_state_dict(base.model.classifier.state_dict())
    return module, start


def _new_module(
    config: TrainConfig, model_config: ModelConfig, start: InitialEmbeddings | None
) -> SentimentModule:
    return SentimentModule(
        asdict(model_config),
        lr=config.lr,
        lr_schedule=config.lr_schedule,
        weight_decay=config.weight_decay,
        row_decay=config.row_decay,
        freeze_embeddings=config.freeze,
        trainable_rows=start.trainable_rows if start and config.train_unknown else None,
        label_smoothing=config.label_smoothing,
        max_norm=config.max_norm,
        members=config.members,
    )


def _restart_from_token_seeds(
    module: SentimentModule,
    config: TrainConfig,
    model_config: ModelConfig,
    vocab: Vocab,
) -> None:
    """Each Embedding row from its token's own seed, and every other weight drawn again after
    torch's generator is started over: the module's init drew the Embedding first, one row after
    another, so the Linear layer and all that training draws after it (batches, dropout) would
    otherwise depend on how many rows the vocabulary has."""
    torch.manual_seed(config.seed)
    twin = _new_module(config, replace(model_config, vocab_size=3), None)  # a fixed few rows
    rest = {k: v for k, v in twin.state_dict().items() if not k.startswith("model.embedding.")}
    module.load_state_dict(rest, strict=False)
    rows = token_seeded_rows(vocab.itos, model_config.embed_dim, config.init_std, config.seed)
    module.model.embedding.weight.copy_(torch.as_tensor(rows))


def token_seeded_rows(tokens: Sequence[str], dim: int, std: float, seed: int) -> np.ndarray:
    """One ``N(0, std)`` row per token, drawn from a generator seeded by ``seed`` and the token
    itself (row 0, padding, is zero): the same token starts from the same vector in any
    vocabulary, whatever its place or the other tokens."""
    rows = np.empty((len(tokens), dim), dtype=np.float32)
    for index, token in enumerate(tokens):
        digest = hashlib.blake2b(f"{seed}\x00{token}".encode(), digest_size=8).digest()
        rows[index] = np.random.default_rng(int.from_bytes(digest, "little")).normal(0.0, std, dim)
    rows[0] = 0.0
    return rows


def _fit(
    config: TrainConfig,
    module: SentimentModule,
    parts: list[tuple[np.ndarray, np.ndarray]],
    sequences: dict[str, list[np.ndarray]],
    labels: dict[str, np.ndarray],
) -> tuple[_KeepBestWeights, int, float]:
    """Train with early stopping on val/acc; returns the best weights, epochs run and seconds."""
    train = ReviewWindows(
        parts,
        labels["train"],
        crops_per_review=config.crops_per_review,
        window=(config.crop_min, config.crop_max),
        token_dropout=config.token_dropout,
        seed=config.seed,
        targets=_targets(config, labels),
        window_targets=_window_targets(config, parts, labels["train"], module),
    )
    datamodule = SentimentDataModule(
        {"train": train, "val": (sequences["val"], labels["val"])},
        batch_size=config.batch_size,
        seed=config.seed,
    )
    start, monitor = None, "val/acc"
    if config.start_from:  # a continued model must beat where it started on the user's val
        monitor = "val/loss"
        start = (_loss(module.model, sequences["val"], labels["val"]), module.model.state_dict())
        start = (start[0], {k: v.detach().clone() for k, v in start[1].items()})
    best = _KeepBestWeights(config.average_last, start, monitor)
    trainer = pl.Trainer(
        max_epochs=config.epochs,
        **lightning_options(config.device, config.dtype),  # accelerator, devices, precision
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=config.progress,
        deterministic=True,
        callbacks=[
            best,
            pl.callbacks.EarlyStopping(
                monitor, mode="min" if monitor == "val/loss" else "max", patience=config.patience
            ),
        ],
    )
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule)
    return best, trainer.current_epoch, time.perf_counter() - started


def _targets(config: TrainConfig, labels: dict[str, np.ndarray]) -> np.ndarray | None:
    """P(positive) each training review is fitted to: its label, mixed with the teacher's."""
    if "teacher" not in labels:
        return None
    weight = config.teacher_weight
    return weight * labels["teacher"] + (1 - weight) * labels["train"].astype(np.float32)


def _window_targets(
    config: TrainConfig,
    parts: list[tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    module: SentimentModule,
) -> Callable[[int, np.ndarray], float] | None:
    """With ``--teacher windows``: each training window's target, the out-of-fold teacher's
    P(positive) of the window mixed with its review's label by ``--teacher-weight``."""
    if config.teacher != "windows":
        return None
    from inksight.pipelines.extras import require
    from inksight.pipelines.train.teacher import WindowTeacher

    require("lab", "--teacher windows")
    reviews = [np.concatenate([unigrams, pairs]) for unigrams, pairs in parts]
    teacher = WindowTeacher.fit(reviews, labels, module.model.config.vocab_size, seed=config.seed)
    weight = config.teacher_weight

    def target(review: int, ids: np.ndarray) -> float:
        return weight * teacher.probability(review, ids) + (1 - weight) * float(labels[review])

    return target


def _loss(model: torch.nn.Module, sequences: list[np.ndarray], labels: np.ndarray) -> float:
    """Mean cross-entropy, as ``val/loss`` measures it."""
    p_positive = _predict(model, sequences)
    p_true = np.where(labels == 1, p_positive, 1 - p_positive)
    model.train()  # _predict leaves it in eval mode; Lightning expects to start from train mode
    return float(-np.log(np.clip(p_true, 1e-7, 1)).mean())


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
    sequences = classifier.encode(tokenized_reviews(frame, classifier.preprocessor.config))
    return _scores(frame["label"].to_numpy(), _predict(classifier.model, sequences))


def evaluate_texts(
    classifier: SentimentClassifier, texts: Sequence[str], labels: Sequence[int]
) -> dict:
    """Accuracy, F1 and calibration of a classifier on raw texts (a text with no known word
    still gets the model's answer, as in any honest score)."""
    sequences = classifier.encode(classifier.preprocessor.tokenize_many(list(texts)))
    return _scores(np.asarray(labels), _predict(classifier.model, sequences))
