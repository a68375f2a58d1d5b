"""Open an embedding set by name or path: where each set comes from and how it is cached.

* ``model``: the trained classifier's Embedding matrix, exported once to ``KeyedVectors`` (``.kv``
  and word2vec text in the cache); looked up lemmatized and lower-cased, like the classifier's
  input. The model folder must exist: opening a set never trains a classifier (that takes minutes);
  callers that want train-on-first-use call ``ensure_default_model()`` and pass its folder.
* ``word2vec``: gensim ``Word2Vec`` trained on the same preprocessed IMDB training reviews (seeded,
  cached); looked up like ``model``.
* ``glove``: the shipped GloVe 6B 50d (converted once to word2vec text and to a memory-mapped
  ``.kv`` in the cache); looked up lower-cased only. Other GloVe sets by name (``glove-6b-100d``...)
  come through the asset resolver.
* a PATH: any file ``inksight.nlp.vectors.word_vectors`` reads (GloVe text, word2vec text/binary,
  ``.kv``, .npy+.parquet), cached as ``.kv`` after the first load.

Every cached set is reopened from its word list and memory-mapped vectors with numpy alone, so
looking a word up in GloVe imports neither gensim, pyarrow nor torch. This module imports nothing
from ``pipelines.train`` but its review data (for word2vec), so training can use the sets.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from inksight.nlp.vectors.word_vectors import (
    WordVectors,
    keyed_vectors_from_matrix,
    load_fast,
    load_fast_arrays,
    load_keyed_vectors,
    save_fast,
    save_word2vec_text,
    write_word_list,
)
from inksight.pipelines.assets import (
    GLOVE_SETS,
    cache_dir,
    default_model_dir,
    glove_path,
    sentiment_model_path,
)
from inksight.pipelines.errors import PipelineError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

__all__ = [
    "SET_NAMES",
    "Word2VecConfig",
    "open_vectors",
    "converted_files",
    "glove_vectors",
    "model_folder",
    "model_vectors",
    "model_lemmatizer",
    "word2vec_vectors",
    "word2vec_ready",
    "train_word2vec",
]

SET_NAMES = ("model", "word2vec", "glove")


@dataclass(frozen=True)
class Word2VecConfig:
    """How the IMDB word2vec set is trained (part of its cache key)."""

    vector_size: int = field(default=100, metadata={"help": "Dimensions of the word2vec vectors."})
    window: int = field(default=5, metadata={"help": "Context words on each side."})
    min_count: int = field(default=5, metadata={"help": "Ignore words seen fewer times."})
    epochs: int = field(default=5, metadata={"help": "Passes over the training reviews."})
    sg: int = field(default=0, metadata={"help": "1 for skip-gram, 0 for CBOW (faster)."})
    seed: int = field(default=13, metadata={"help": "Seed for initialisation and sampling."})
    workers: int = field(default=2, metadata={"help": "Training threads."})

    def __post_init__(self) -> None:
        if min(self.vector_size, self.window, self.min_count, self.epochs, self.workers) < 1:
            raise PipelineError(
                "word2vec sizes, window, min_count, epochs and workers must be >= 1."
            )
        if self.sg not in (0, 1):
            raise PipelineError("word2vec sg must be 0 (CBOW) or 1 (skip-gram).")

    def cache_key(self) -> str:
        fields = {k: v for k, v in self.__dict__.items() if k != "workers"}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]


def _vectors_cache() -> Path:
    folder = cache_dir() / "vectors"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_vectors(name: str | Path = "glove", model_dir: str | Path | None = None) -> WordVectors:
    """The embedding set called ``name`` ("model", "word2vec", "glove", "glove-6b-100d"...) or
    the vectors file at that path.

    Args:
        name: a set name or a vectors file.
        model_dir: the classifier folder behind "model" (None: the default model's folder).

    Raises:
        PipelineError: ``name`` is neither a known set nor an existing path, or "model" is asked
            for and there is no trained model.
    """
    text = str(name)
    if text == "model":
        return model_vectors(model_dir)
    if text == "word2vec":
        return word2vec_vectors()
    if text == "glove" or text in GLOVE_SETS:
        return glove_vectors("glove-6b-50d" if text == "glove" else text)
    path = Path(text).expanduser()
    if not path.exists():
        raise PipelineError(
            f"{text!r} is neither an embedding set ({', '.join(SET_NAMES)}, or a GloVe set such "
            "as glove-6b-100d) nor an existing vectors file."
        )
    return _file_vectors(path)


def converted_files() -> list[Path]:
    """The word2vec text files written so far (GloVe converted, model exported, word2vec)."""
    return sorted(_vectors_cache().glob("*.w2v.txt"))


def _save(kv: KeyedVectors, fast: Path, source: str, fmt: str, *, text: bool = True) -> None:
    """Cache a freshly built set: word2vec text (the seed's "convert" step), ``.kv`` and a note."""
    if text:
        save_word2vec_text(kv, fast.with_suffix(".w2v.txt"))
    save_fast(kv, fast)
    fast.with_suffix(".json").write_text(json.dumps({"source": source, "format": fmt}))


def _reopen(fast: Path, name: str, normalize: Callable[[str], str], **options) -> WordVectors:
    """A cached set from its word list and memory-mapped rows (numpy only), else through gensim."""
    note = fast.with_suffix(".json")
    fmt = json.loads(note.read_text())["format"] if note.is_file() else ""
    arrays = load_fast_arrays(fast)
    if arrays is not None:
        return WordVectors.from_arrays(*arrays, name, normalize, fmt, **options)
    kv = load_fast(fast)  # cached before word lists existed: list it now, for the next time
    write_word_list(kv.index_to_key, fast)
    return WordVectors(kv, name, normalize, fmt, **options)


def _file_vectors(path: Path) -> WordVectors:
    """A user's vectors file; parsed once, then reopened memory-mapped from the cache."""
    path = path.resolve()
    stat = path.stat() if path.is_file() else None
    fingerprint = f"{path}:{stat.st_mtime_ns}:{stat.st_size}" if stat else str(path)
    fast = _vectors_cache() / f"file-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}.kv"
    if not fast.is_file():
        kv, fmt = load_keyed_vectors(path)
        _save(kv, fast, str(path), fmt, text=False)
    return _reopen(fast, path.name, str.lower)


def glove_vectors(name: str = "glove-6b-50d") -> WordVectors:
    """GloVe, lower-cased lookup. Converted once to word2vec text and to a fast ``.kv``."""
    fast = _vectors_cache() / f"{name}.kv"
    if not fast.is_file():
        source = glove_path(name)  # a set that is not here fails first, without the note below
        # Writing the word2vec text (the seed's convert step) is most of it: 22 of 26 s here.
        print(f"Converting {name} to word2vec text and a fast .kv (once)...", file=sys.stderr)
        started = time.perf_counter()
        kv, fmt = load_keyed_vectors(source)
        _save(kv, fast, name, fmt)
        print(f"{name} converted in {time.perf_counter() - started:.0f} s.", file=sys.stderr)
    return _reopen(fast, "glove" if name == "glove-6b-50d" else name, str.lower)


def model_folder(model_dir: str | Path | None = None) -> Path:
    """``model_dir`` (a folder or a Hub id found locally), or the default model's folder when it
    holds a trained model.

    Raises:
        PipelineError: no ``model_dir`` and no default model yet (it is never trained here).
    """
    if model_dir:
        return sentiment_model_path(model_dir)
    folder = default_model_dir()
    if not (folder / "model.safetensors").is_file():
        raise PipelineError(
            f"there is no default model in {folder} yet; train it once with `inksight train` "
            "(a few minutes) or pass --model DIR."
        )
    return folder


def model_lemmatizer(model_dir: str | Path | None = None) -> Callable[[str], str]:
    """A user's word in the classifier's form: lemma, lower-case; 'not good' -> 'not_good'."""
    return _lemmatizer(model_folder(model_dir) / "preprocess.json")


def _lemmatizer(preprocess_json: Path) -> Callable[[str], str]:
    config_json = preprocess_json.read_text(encoding="utf-8")

    def normalize(word: str) -> str:
        return _lemmatizer_for(config_json)(word)  # spaCy loads at the first word, not at open

    return normalize


@lru_cache(maxsize=8)
def _lemmatizer_for(config_json: str) -> Callable[[str], str]:
    # Cached per config: spaCy's lookup tables take seconds to load.
    from inksight.nlp.preprocess import PreprocessConfig, Preprocessor

    preprocessor = Preprocessor(PreprocessConfig.from_dict(json.loads(config_json)))

    @lru_cache(maxsize=4096)
    def normalize(word: str) -> str:
        tokens = preprocessor.tokenize(word)
        return "_".join(tokens) if tokens else word.lower()  # a stopword keeps its own form

    return normalize


def model_vectors(model_dir: str | Path | None = None) -> WordVectors:
    """The classifier's Embedding rows as vectors (``<pad>``/``<unk>`` left out), cached.

    Raises:
        PipelineError: the folder (given, or the default model's) holds no trained model.
    """
    folder = model_folder(model_dir)
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise PipelineError(
            f"no trained model in {folder}; train one with `inksight train` (or pass --model DIR)."
        )
    stat = weights.stat()
    key = hashlib.sha256(f"{folder.resolve()}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    fast = _vectors_cache() / f"model-{key.hexdigest()[:16]}.kv"
    if not fast.is_file():
        from inksight.nlp.classifier import load_classifier

        classifier = load_classifier(folder)
        matrix = classifier.embedding_matrix()[2:]  # rows 0 and 1 are <pad> and <unk>
        kv = keyed_vectors_from_matrix(classifier.vocab.itos[2:], matrix)
        _save(kv, fast, str(folder), "")
    lemmatize = _lemmatizer(folder / "preprocess.json")
    return _reopen(fast, "model", lemmatize, bigram_tokens=True)


def train_word2vec(
    sentences: Sequence[Sequence[str]], config: Word2VecConfig | None = None
) -> KeyedVectors:
    """gensim ``Word2Vec`` on token lists; returns its ``KeyedVectors`` (most frequent first)."""
    from gensim.models import Word2Vec

    config = config or Word2VecConfig()
    model = Word2Vec(
        sentences=[list(s) for s in sentences],
        vector_size=config.vector_size,
        window=config.window,
        min_count=config.min_count,
        epochs=config.epochs,
        sg=config.sg,
        seed=config.seed,
        workers=config.workers,
    )
    if len(model.wv) == 0:
        raise PipelineError(
            f"no word occurs {config.min_count} times in the training text; lower min_count."
        )
    return model.wv


def _word2vec_file(config: Word2VecConfig) -> Path:
    return _vectors_cache() / f"word2vec-imdb-{config.cache_key()}.kv"


def word2vec_ready(config: Word2VecConfig | None = None) -> bool:
    """Whether the IMDB word2vec set is cached (opening it then trains nothing)."""
    return _word2vec_file(config or Word2VecConfig()).is_file()


def word2vec_vectors(config: Word2VecConfig | None = None) -> WordVectors:
    """Word2Vec trained on the preprocessed IMDB training reviews (cached after the first run)."""
    config = config or Word2VecConfig()
    fast = _word2vec_file(config)
    preprocess_json = fast.with_suffix(".preprocess.json")
    if not fast.is_file():
        from inksight.nlp.preprocess import PreprocessConfig
        from inksight.pipelines.train.data import tokenized_split

        preprocess = PreprocessConfig()
        print("Training word2vec on the IMDB training reviews (once; cached)...", file=sys.stderr)
        started = time.perf_counter()
        kv = train_word2vec(tokenized_split("train", preprocess), config)
        _save(kv, fast, "IMDB training reviews", "")
        preprocess_json.write_text(preprocess.to_json())
        print(f"word2vec trained in {time.perf_counter() - started:.0f} s.", file=sys.stderr)
    return _reopen(fast, "word2vec", _lemmatizer(preprocess_json))
