"""The embedding lab's three sets by name, and the jobs that compare them.

* ``model``: the trained classifier's Embedding matrix, exported to ``KeyedVectors`` (``.kv`` and
  word2vec text in the cache); looked up lemmatized and lower-cased, like the classifier's input.
* ``word2vec``: gensim ``Word2Vec`` trained on the same preprocessed IMDB training reviews (seeded,
  cached); looked up like ``model``.
* ``glove``: the shipped GloVe 6B 50d (converted once to word2vec text and to a memory-mapped
  ``.kv`` in the cache); looked up lower-cased only. Other GloVe sets by name (``glove-6b-100d``...)
  come through the asset resolver.
* a PATH: any file ``inksight.nlp.vectors.word_vectors`` reads (GloVe text, word2vec text/binary, ``.kv``, .npy+.parquet),
  cached as ``.kv`` after the first load.
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

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.analogy import AnalogyEvaluation, WordPairsEvaluation, evaluate_analogies
from inksight.nlp.vectors.analogy import evaluate_word_pairs as _evaluate_word_pairs
from inksight.nlp.vectors.word_vectors import (
    WordVectors,
    is_plain_word,
    keyed_vectors_from_matrix,
    load_fast,
    load_keyed_vectors,
    save_fast,
    save_word2vec_text,
)
from inksight.pipelines.assets import GLOVE_SETS, cache_dir, evaluation_file, glove_path
from inksight.pipelines.errors import PipelineError

__all__ = [
    "SET_NAMES",
    "Word2VecConfig",
    "open_vectors",
    "converted_files",
    "glove_vectors",
    "model_vectors",
    "word2vec_vectors",
    "train_word2vec",
    "model_leans",
    "leans_for",
    "plot_set",
    "CompareRow",
    "compare",
    "cluster_measures",
    "SetBenchmark",
    "BenchmarkResult",
    "benchmark_set",
    "benchmark",
]

SET_NAMES = ("model", "word2vec", "glove")
RESTRICT_VOCAB = 100_000  # analogies over the 100k most frequent words, as gensim's examples do


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


# --------------------------------------------------------------------------------------------
# Opening the sets
# --------------------------------------------------------------------------------------------


def _vectors_cache() -> Path:
    folder = cache_dir() / "vectors"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_vectors(name: str | Path = "glove", model_dir: str | Path | None = None) -> WordVectors:
    """The embedding set called ``name`` ("model", "word2vec", "glove", "glove-6b-100d"...) or
    the vectors file at that path.

    Raises:
        PipelineError: ``name`` is neither a known set nor an existing path.
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


def _file_vectors(path: Path) -> WordVectors:
    """A user's vectors file; parsed once, then reopened memory-mapped from the cache."""
    path = path.resolve()
    stat = path.stat() if path.is_file() else None
    fingerprint = f"{path}:{stat.st_mtime_ns}:{stat.st_size}" if stat else str(path)
    fast = _vectors_cache() / f"file-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}.kv"
    if fast.is_file():
        kv, fmt = load_fast(fast), json.loads(fast.with_suffix(".json").read_text())["format"]
    else:
        kv, fmt = load_keyed_vectors(path)
        save_fast(kv, fast)
        fast.with_suffix(".json").write_text(json.dumps({"source": str(path), "format": fmt}))
    return WordVectors(kv, path.name, str.lower, fmt)


def glove_vectors(name: str = "glove-6b-50d") -> WordVectors:
    """GloVe, lower-cased lookup. Converted once to word2vec text and to a fast ``.kv``."""
    fast = _vectors_cache() / f"{name}.kv"
    if not fast.is_file():
        kv, fmt = load_keyed_vectors(glove_path(name))
        save_word2vec_text(kv, fast.with_suffix(".w2v.txt"))  # the seed's "convert" step
        save_fast(kv, fast)
        fast.with_suffix(".json").write_text(json.dumps({"source": name, "format": fmt}))
    return WordVectors(load_fast(fast), "glove" if name == "glove-6b-50d" else name, str.lower)


def _default_model_dir() -> Path:
    from inksight.pipelines.train.default_model import (
        ensure_default_model,  # trains the default model when missing
    )

    return ensure_default_model()


def _lemmatizer(preprocess_json: Path) -> Callable[[str], str]:
    """Turn a user's word into the classifier's token: lemma, lower-case; 'not good' -> 'not_good'."""
    return _lemmatizer_for(preprocess_json.read_text(encoding="utf-8"))


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
    """The classifier's Embedding rows as vectors (``<pad>``/``<unk>`` left out), cached."""
    folder = Path(model_dir) if model_dir else _default_model_dir()
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
        save_word2vec_text(kv, fast.with_suffix(".w2v.txt"))
        save_fast(kv, fast)
    return WordVectors(
        load_fast(fast), "model", _lemmatizer(folder / "preprocess.json"), bigram_tokens=True
    )


def model_leans(model_dir: str | Path | None = None) -> dict[str, float]:
    """The classifier's signed lean per vocabulary token (> 0 leans positive)."""
    from inksight.nlp.classifier import load_classifier

    classifier = load_classifier(Path(model_dir) if model_dir else _default_model_dir())
    leans = classifier.word_leans()
    return {w: float(leans[i]) for i, w in enumerate(classifier.vocab.itos) if i >= 2}


def train_word2vec(sentences: Sequence[Sequence[str]], config: Word2VecConfig | None = None):
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


def word2vec_vectors(config: Word2VecConfig | None = None) -> WordVectors:
    """Word2Vec trained on the preprocessed IMDB training reviews (cached after the first run)."""
    from inksight.nlp.preprocess import PreprocessConfig

    config = config or Word2VecConfig()
    preprocess = PreprocessConfig()
    fast = _vectors_cache() / f"word2vec-imdb-{config.cache_key()}.kv"
    preprocess_json = fast.with_suffix(".preprocess.json")
    if not fast.is_file():
        from inksight.pipelines.train.data import tokenized_split

        print("Training word2vec on the IMDB training reviews (once; cached)...", file=sys.stderr)
        started = time.perf_counter()
        kv = train_word2vec(tokenized_split("train", preprocess), config)
        save_word2vec_text(kv, fast.with_suffix(".w2v.txt"))
        save_fast(kv, fast)
        preprocess_json.write_text(preprocess.to_json())
        print(f"word2vec trained in {time.perf_counter() - started:.0f} s.", file=sys.stderr)
    return WordVectors(load_fast(fast), "word2vec", _lemmatizer(preprocess_json))


# --------------------------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------------------------


@dataclass
class CompareRow:
    """One word's neighbours in one set, or why there are none."""

    vectors: str
    word: str
    looked_up: str | None
    neighbours: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        return {
            "vectors": self.vectors,
            "word": self.word,
            "looked_up": self.looked_up,
            "neighbours": [{"word": w, "score": round(s, 6)} for w, s in self.neighbours],
            "error": self.error,
        }


def compare(words: Sequence[str], sets: Sequence[WordVectors], topn: int = 5) -> list[CompareRow]:
    """The nearest neighbours of each word in each set; unknown words become a row with an error."""
    rows = []
    for word in words:
        for wv in sets:
            try:
                found = wv.most_similar(word, topn=topn)
            except NlpError as error:
                rows.append(CompareRow(wv.name, word, None, error=str(error)))
                continue
            pairs = [(n.word, n.score) for n in found.neighbours]
            rows.append(CompareRow(wv.name, word, found.looked_up, pairs))
    return rows


def cluster_measures(sets: Sequence[WordVectors]) -> list:
    """Whether the seed sentiment groups cluster in each set (``inksight.nlp.plots.ClusterMeasure``)."""
    from inksight.nlp.plots import cluster_measure

    return [cluster_measure(wv) for wv in sets]


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


@dataclass
class SetBenchmark:
    """One set's scores: analogies (semantic/syntactic), two similarity correlations."""

    vectors: str
    words: int
    dim: int
    analogy: AnalogyEvaluation
    wordsim: WordPairsEvaluation
    simlex: WordPairsEvaluation
    seconds: float

    def to_dict(self) -> dict:
        return {
            "vectors": self.vectors,
            "words": self.words,
            "dim": self.dim,
            "analogy": self.analogy.to_dict(),
            "wordsim353": self.wordsim.to_dict(),
            "simlex999": self.simlex.to_dict(),
            "seconds": round(self.seconds, 3),
        }

    def row(self) -> dict:
        """The summary line of the benchmark table."""

        def num(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.3f}"

        a = self.analogy
        return {
            "set": self.vectors,
            "words": f"{self.words:,}",
            "dim": str(self.dim),
            "analogy": f"{a.accuracy:.3f}",
            "semantic": f"{a.accuracy_of('semantic'):.3f}",
            "syntactic": f"{a.accuracy_of('syntactic'):.3f}",
            "analogy OOV": f"{a.oov_rate:.0%}",
            "WordSim353 ρ": num(self.wordsim.spearman),
            "WS OOV": f"{self.wordsim.oov_rate:.0%}",
            "SimLex999 ρ": num(self.simlex.spearman),
            "SL OOV": f"{self.simlex.oov_rate:.0%}",
            "seconds": f"{self.seconds:.1f}",
        }


@dataclass
class BenchmarkResult:
    """The benchmark table for several sets."""

    sets: list[SetBenchmark]
    restrict_vocab: int
    seconds: float

    def to_dict(self) -> dict:
        return {
            "restrict_vocab": self.restrict_vocab,
            "seconds": round(self.seconds, 3),
            "sets": [s.to_dict() for s in self.sets],
        }

    def rows(self) -> list[dict]:
        return [s.row() for s in self.sets]


def _evaluated_kv(wv: WordVectors):
    """The set's vectors without bigram tokens ('not_good'): they are not words to score."""
    if not wv.bigram_tokens:
        return wv.kv  # GloVe's own "e_mail" tokens stay: the score must match gensim's
    plain = [w for w in wv.words if is_plain_word(w)]
    import numpy as np

    rows = np.asarray([wv.kv.key_to_index[w] for w in plain])
    return keyed_vectors_from_matrix(plain, np.asarray(wv.kv.vectors)[rows])


def benchmark_set(wv: WordVectors, restrict_vocab: int = RESTRICT_VOCAB) -> SetBenchmark:
    """Analogy accuracy (gensim's rule, batched) and similarity correlations for one set."""
    started = time.perf_counter()
    kv = _evaluated_kv(wv)
    analogy = evaluate_analogies(kv, evaluation_file("questions-words.txt"), restrict_vocab)
    wordsim = _evaluate_word_pairs(kv, evaluation_file("wordsim353.tsv"), restrict_vocab)
    simlex = _evaluate_word_pairs(kv, evaluation_file("simlex999.txt"), restrict_vocab)
    seconds = time.perf_counter() - started
    return SetBenchmark(wv.name, len(kv), wv.dim, analogy, wordsim, simlex, seconds)


def benchmark(
    sets: Sequence[str | Path] = SET_NAMES,
    model_dir: str | Path | None = None,
    restrict_vocab: int = RESTRICT_VOCAB,
) -> BenchmarkResult:
    """Open each set by name or path and score it; the whole table with its wall time."""
    started = time.perf_counter()
    results = [benchmark_set(open_vectors(name, model_dir), restrict_vocab) for name in sets]
    return BenchmarkResult(results, restrict_vocab, time.perf_counter() - started)


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


def leans_for(
    wv: WordVectors, words: Sequence[str], model_dir: str | Path | None = None
) -> dict[str, float]:
    """The classifier's lean for each of ``words`` of ``wv`` (other sets map through the model's
    lemmatizer: GloVe's "movies" takes the lean of the model's "movie")."""
    folder = Path(model_dir) if model_dir else _default_model_dir()
    leans = model_leans(folder)
    if wv.name == "model":
        return {w: leans[w] for w in words if w in leans}
    to_model_form = _lemmatizer(folder / "preprocess.json")
    return {w: leans[f] for w in words if (f := to_model_form(w)) in leans}


def plot_set(
    wv: WordVectors,
    out: str | Path,
    top: int = 300,
    model_dir: str | Path | None = None,
    with_leans: bool = True,
    leans: dict[str, float] | None = None,
):
    """PCA picture of ``wv``'s ``top`` most frequent words (PNG or HTML by suffix), coloured by
    the classifier's lean (computed here unless ``leans`` is given); returns
    ``inksight.nlp.plots.PlotResult``."""
    from inksight.nlp.plots import NEGATIVE, POSITIVE, plot_embeddings

    if with_leans and leans is None:
        words = wv.top_words(top) + wv.known_forms(POSITIVE + NEGATIVE)
        leans = leans_for(wv, words, model_dir)
    return plot_embeddings(wv, out, top=top, leans=leans if with_leans else None)
