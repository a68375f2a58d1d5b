"""The embedding lab's jobs on the sets: side-by-side neighbours, the benchmark, the pictures.

The sets themselves ("model", "word2vec", "glove", a file) are opened by
``inksight.pipelines.embeddings.sets``. Nothing here trains the classifier: a function that needs the model takes its
folder, and without one uses the default model's folder if it exists (else a ``PipelineError``
that says to run `inksight train`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.analogy import AnalogyEvaluation, WordPairsEvaluation, evaluate_analogies
from inksight.nlp.vectors.analogy import evaluate_word_pairs as _evaluate_word_pairs
from inksight.nlp.vectors.word_vectors import WordVectors, is_plain_word, keyed_vectors_from_matrix
from inksight.pipelines.assets import evaluation_file
from inksight.pipelines.embeddings.sets import (
    SET_NAMES,
    model_folder,
    model_lemmatizer,
    open_vectors,
)

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from inksight.nlp.plots import ClusterMeasure, PlotResult

__all__ = [
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

RESTRICT_VOCAB = 100_000  # analogies over the 100k most frequent words, as gensim's examples do


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


def cluster_measures(sets: Sequence[WordVectors]) -> list[ClusterMeasure]:
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


def _evaluated_kv(wv: WordVectors) -> KeyedVectors:
    """The set's vectors without bigram tokens ('not_good'): they are not words to score."""
    if not wv.bigram_tokens:
        return wv.kv  # GloVe's own "e_mail" tokens stay: the score must match gensim's
    plain = [w for w in wv.words if is_plain_word(w)]
    import numpy as np

    rows = np.asarray([wv.key_to_index[w] for w in plain])
    return keyed_vectors_from_matrix(plain, np.asarray(wv.matrix)[rows])


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


def model_leans(model_dir: str | Path | None = None) -> dict[str, float]:
    """The classifier's signed lean per vocabulary token (> 0 leans positive)."""
    from inksight.nlp.classifier import load_classifier

    classifier = load_classifier(model_folder(model_dir))
    leans = classifier.word_leans()
    return {w: float(leans[i]) for i, w in enumerate(classifier.vocab.itos) if i >= 2}


def leans_for(
    wv: WordVectors, words: Sequence[str], model_dir: str | Path | None = None
) -> dict[str, float]:
    """The classifier's lean for each of ``words`` of ``wv`` (other sets map through the model's
    lemmatizer: GloVe's "movies" takes the lean of the model's "movie")."""
    folder = model_folder(model_dir)
    leans = model_leans(folder)
    if wv.name == "model":
        return {w: leans[w] for w in words if w in leans}
    to_model_form = model_lemmatizer(folder)
    return {w: leans[f] for w in words if (f := to_model_form(w)) in leans}


def plot_set(
    wv: WordVectors,
    out: str | Path,
    top: int = 300,
    model_dir: str | Path | None = None,
    with_leans: bool = True,
    leans: dict[str, float] | None = None,
) -> PlotResult:
    """PCA picture of ``wv``'s ``top`` most frequent words (PNG or HTML by suffix), coloured by
    the classifier's lean (computed here unless ``leans`` is given); returns
    ``inksight.nlp.plots.PlotResult``."""
    from inksight.nlp.plots import NEGATIVE, POSITIVE, plot_embeddings

    if with_leans and leans is None:
        words = wv.top_words(top) + wv.known_forms(POSITIVE + NEGATIVE)
        leans = leans_for(wv, words, model_dir)
    return plot_embeddings(wv, out, top=top, leans=leans if with_leans else None)
