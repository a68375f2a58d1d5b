"""Labelled reviews in, a fixed train/val/test split and cached token lists out.

Sources: the shipped IMDB rows (default), a user's CSV / JSONL / Parquet file with ``text,label``
columns, or an ``aclImdb/`` folder (whose official test split is kept). The split is saved with
review ids in the cache, so every run and every benchmark scores on the same reviews.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from inksight.nlp.data import SPLITS, stratified_split
from inksight.nlp.preprocess import PreprocessConfig, Preprocessor
from inksight.pipelines.assets import cache_dir, imdb_csv_path
from inksight.pipelines.errors import PipelineError

__all__ = [
    "SPLIT_SEED",
    "first_sentences",
    "load_reviews",
    "load_rotten_tomatoes",
    "load_splits",
    "random_sentences",
    "read_table",
    "sentence_views",
    "sentences",
    "tokenized_reviews",
    "tokenized_split",
]

SPLIT_SEED = 13
_POSITIVE = {"1", "pos", "positive", "true", "yes"}
_NEGATIVE = {"0", "neg", "negative", "false", "no"}


def load_reviews(data: str | Path | None = None) -> pd.DataFrame:
    """All reviews with columns ``id, text, label`` (0 negative, 1 positive) and ``split`` when the
    source defines one (aclImdb's official test set), else no ``split`` column."""
    if data is None:
        frame = pd.read_csv(imdb_csv_path())
        frame = frame[frame["source"] == "imdb"].reset_index(drop=True)
        frame["id"] = [f"imdb-{i}" for i in range(len(frame))]
        return frame[["id", "text", "label"]].astype({"label": int})
    path = Path(data).expanduser()
    if not path.exists():
        raise PipelineError(f"data file or folder {path} does not exist.")
    if path.is_dir():
        return _load_aclimdb(path)
    return _normalise(read_table(path), path)


def load_rotten_tomatoes() -> pd.DataFrame:
    """The 8,530 one-sentence Rotten Tomatoes rows shipped next to the IMDB reviews.

    An external test set only: nothing trains on them, chooses settings with them or builds a
    vocabulary from them; the benchmark reads them to see how the model travels to short text.
    """
    frame = pd.read_csv(imdb_csv_path())
    frame = frame[frame["source"] == "rotten_tomatoes"].reset_index(drop=True)
    return frame[["text", "label"]].astype({"label": int})


# A sentence ends at . ! ? followed by space, or at an HTML line break (IMDB's paragraphs).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<br\s*/?>", re.IGNORECASE)


def sentences(text: str, min_words: int = 3) -> list[str]:
    """The review's sentences with at least ``min_words`` words (the whole text if none has)."""
    found = [part.strip() for part in _SENTENCE_END.split(text)]
    found = [part for part in found if len(part.split()) >= min_words]
    return found or [text.strip()]


def first_sentences(frame: pd.DataFrame) -> pd.DataFrame:
    """Each review cut to its first sentence, labels kept: a legal stand-in for short reviews."""
    return frame.assign(text=[sentences(t)[0] for t in frame["text"]])


def random_sentences(frame: pd.DataFrame, seed: int = 13) -> pd.DataFrame:
    """Each review cut to one of its sentences, drawn at random (same seed, same sentences)."""
    rng = np.random.default_rng(seed)
    picked = []
    for text in frame["text"]:
        options = sentences(text)
        picked.append(options[int(rng.integers(len(options)))])
    return frame.assign(text=picked)


def sentence_views(frame: pd.DataFrame, seed: int = 13) -> pd.DataFrame:
    """The reviews cut to their first sentence, then to a random one: short text with labels,
    for fitting the temperature (``pipelines/train/calibration.py``)."""
    return pd.concat([first_sentences(frame), random_sentences(frame, seed)], ignore_index=True)


def read_table(path: Path) -> pd.DataFrame:
    """A .csv, .jsonl or .parquet file as a table; anything else, or a file that does not parse,
    is one sentence (``PipelineError``)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True)
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except UnicodeDecodeError as error:
        raise PipelineError(f"{path} is not UTF-8 text.") from error
    except ValueError as error:
        raise PipelineError(
            f"{path} could not be read as {suffix[1:].upper()}: {error}."
        ) from error
    raise PipelineError(
        f"{path}: data files must be .csv, .jsonl or .parquet (got {suffix or 'no extension'})."
    )


def _normalise(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    missing = [c for c in ("text", "label") if c not in frame.columns]
    if missing:
        raise PipelineError(
            f"{path} has no {' and no '.join(missing)} column; it needs text,label columns "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'})."
        )
    frame = frame.dropna(subset=["text", "label"]).reset_index(drop=True)
    labels = frame["label"].astype(str).str.strip().str.lower()
    unknown = sorted(set(labels) - _POSITIVE - _NEGATIVE)
    if unknown:
        raise PipelineError(
            f"{path} has labels Inksight does not understand ({', '.join(unknown[:5])}); "
            "use 0/1, neg/pos or negative/positive."
        )
    out = pd.DataFrame(
        {
            "id": frame["id"].astype(str)
            if "id" in frame
            else [f"row-{i}" for i in range(len(frame))],
            "text": frame["text"].astype(str),
            "label": labels.isin(_POSITIVE).astype(int),
        }
    )
    if "split" in frame:
        out["split"] = frame["split"].astype(str)
    if len(out) < 10 or out["label"].nunique() < 2:
        raise PipelineError(f"{path} needs at least 10 reviews with both labels present.")
    return out


def _load_aclimdb(root: Path) -> pd.DataFrame:
    rows = []
    for part in ("train", "test"):
        for label_name, label in (("neg", 0), ("pos", 1)):
            folder = root / part / label_name
            for file in sorted(folder.glob("*.txt")):
                rows.append(
                    (f"{part}/{label_name}/{file.stem}", file.read_text("utf-8"), label, part)
                )
    if not rows:
        raise PipelineError(
            f"{root} is not an aclImdb folder (expected train/pos, train/neg, test/pos, test/neg)."
        )
    return pd.DataFrame(rows, columns=["id", "text", "label", "split"])


def load_splits(data: str | Path | None = None, seed: int = SPLIT_SEED) -> dict[str, pd.DataFrame]:
    """The train/val/test frames; the assignment is computed once and stored by review id."""
    frame = load_reviews(data)
    split_file = cache_dir() / "splits" / f"{_fingerprint(frame)}-seed{seed}.csv"
    if split_file.is_file():
        saved = pd.read_csv(split_file)
        if (
            len(saved) == len(frame)
            and (saved["id"].astype(str).values == frame["id"].values).all()
        ):
            frame["split"] = saved["split"].values
    if "split" not in frame or frame["split"].isna().any():
        frame["split"] = _assign(frame, seed)
        split_file.parent.mkdir(parents=True, exist_ok=True)
        frame[["id", "split"]].to_csv(split_file, index=False)
    return {name: frame[frame["split"] == name].reset_index(drop=True) for name in SPLITS}


def _assign(frame: pd.DataFrame, seed: int) -> np.ndarray:
    if (
        "split" in frame
        and set(frame["split"]) >= {"train", "test"}
        and "val" not in set(frame["split"])
    ):
        # An official train/test split (aclImdb): keep test, carve validation out of train.
        result = frame["split"].to_numpy(dtype=object).copy()
        train = np.flatnonzero(result == "train")
        sub = stratified_split(
            frame["text"].iloc[train].tolist(),
            frame["label"].iloc[train].tolist(),
            (0.9, 0.1, 0.0),
            seed,
        )
        result[train] = np.where(sub == "val", "val", "train")
        return result.astype(str)
    return stratified_split(frame["text"].tolist(), frame["label"].tolist(), (0.8, 0.1, 0.1), seed)


def _fingerprint(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for text, label in zip(frame["text"], frame["label"], strict=True):
        digest.update(f"{label}\t{text}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def tokenized_reviews(frame: pd.DataFrame, config: PreprocessConfig) -> list[list[str]]:
    """Token lists for the frame's texts, cached on disk by data and preprocessing config."""
    key = hashlib.sha256(
        (_fingerprint(frame) + json.dumps(config.cache_key(), sort_keys=True)).encode()
    ).hexdigest()[:20]
    path = cache_dir() / "tokens" / f"{key}.txt"
    if path.is_file():
        lines = path.read_text("utf-8").split("\n")
        if len(lines) == len(frame):
            return [line.split() for line in lines]
    tokens = Preprocessor(config).tokenize_many(frame["text"].tolist())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(" ".join(t) for t in tokens), "utf-8")
    tmp.replace(path)  # atomic: a crash never leaves a half-written cache behind
    return tokens


def tokenized_split(
    name: str, config: PreprocessConfig | None = None, data: str | Path | None = None
) -> list[list[str]]:
    """Token lists of one split (``train``, ``val`` or ``test``)."""
    if name not in SPLITS:
        raise PipelineError(f"unknown split {name!r}; choose train, val or test.")
    return tokenized_reviews(load_splits(data)[name], config or PreprocessConfig())
