"""Score an embedding set on analogy questions and word-similarity judgements, fast.

``evaluate_analogies`` applies exactly the rule of gensim's ``KeyedVectors.evaluate_word_analogies``
(``a : b :: c : ?`` answered by 3CosAdd over the ``restrict_vocab`` most frequent words, upper-cased
matching, questions with a word outside that vocabulary skipped, the first of the top 5 answers that
is not an input word taken) but scores the questions in batches: one matrix product and one top-k per
batch instead of one full scan per question. It is checked against gensim in
``benchmarks/bench_embeddings.py`` (identical correct counts per section).

``evaluate_word_pairs`` is gensim's own (a few hundred pairs is already fast); it adds the
out-of-vocabulary rate and turns "every pair unknown" into a result rather than an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from inksight.nlp.errors import NlpError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

__all__ = [
    "AnalogySection",
    "AnalogyEvaluation",
    "WordPairsEvaluation",
    "read_analogy_questions",
    "evaluate_analogies",
    "evaluate_word_pairs",
]

_TOPN = 5  # gensim's evaluate_word_analogies asks most_similar for 5 answers


@dataclass
class AnalogySection:
    """Correct answers in one section of the question file (e.g. ``capital-world``)."""

    name: str
    correct: int = 0
    total: int = 0  # questions scored (those with every word in the vocabulary)
    skipped: int = 0  # questions with a word outside the restricted vocabulary

    @property
    def kind(self) -> str:
        return "syntactic" if self.name.startswith("gram") else "semantic"

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "section": self.name,
            "kind": self.kind,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "accuracy": round(self.accuracy, 6),
        }


@dataclass
class AnalogyEvaluation:
    """Accuracy on an analogy file, overall and split into semantic and syntactic sections."""

    method: str
    restrict_vocab: int
    sections: list[AnalogySection] = field(default_factory=list)
    seconds: float = 0.0

    def _sum(self, kind: str | None, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.sections if kind in (None, s.kind))

    def accuracy_of(self, kind: str | None = None) -> float:
        """Accuracy over all scored questions, or only the ``"semantic"``/``"syntactic"`` ones."""
        total = self._sum(kind, "total")
        return self._sum(kind, "correct") / total if total else 0.0

    @property
    def correct(self) -> int:
        return self._sum(None, "correct")

    @property
    def total(self) -> int:
        return self._sum(None, "total")

    @property
    def accuracy(self) -> float:
        return self.accuracy_of()

    @property
    def oov_rate(self) -> float:
        """Share of questions skipped because a word is outside the restricted vocabulary."""
        asked = self.total + self._sum(None, "skipped")
        return self._sum(None, "skipped") / asked if asked else 0.0

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "accuracy": round(self.accuracy, 6),
            "semantic_accuracy": round(self.accuracy_of("semantic"), 6),
            "syntactic_accuracy": round(self.accuracy_of("syntactic"), 6),
            "correct": self.correct,
            "total": self.total,
            "oov_rate": round(self.oov_rate, 6),
            "seconds": round(self.seconds, 3),
            "sections": [s.to_dict() for s in self.sections],
        }


@dataclass
class WordPairsEvaluation:
    """Rank correlation between the model's cosines and human similarity scores."""

    name: str
    spearman: float | None  # None when every pair has an unknown word
    pearson: float | None
    pairs: int
    oov_rate: float

    def to_dict(self) -> dict:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(float(x), 6)

        return {
            "name": self.name,
            "spearman": rounded(self.spearman),
            "pearson": rounded(self.pearson),
            "pairs": self.pairs,
            "oov_rate": round(self.oov_rate, 6),
        }


def read_analogy_questions(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Read a ``questions-words.txt``-style file as ``[(section name, [(a, b, c, expected)])]``.

    Lines that do not hold four words are skipped, as gensim does.

    Raises:
        NlpError: a question comes before the first ``: section`` line, or there is no question.
    """
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    with Path(path).open("rb") as handle:
        for line_no, raw in enumerate(handle):
            line = raw.decode("utf-8")
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise NlpError(
                    f"line {line_no} of {path} is a question before any ': section' line; "
                    "start the file with a section name."
                )
            words = line.split()
            if len(words) == 4:
                sections[-1][1].append(tuple(words))  # type: ignore[arg-type]
    if not any(questions for _, questions in sections):
        raise NlpError(f"{path} holds no analogy questions (lines of four words).")
    return sections


def evaluate_analogies(
    kv: KeyedVectors,
    path: str | Path,
    restrict_vocab: int = 100_000,
    case_insensitive: bool = True,
    method: str = "3CosAdd",
    batch_size: int = 1024,
) -> AnalogyEvaluation:
    """Score ``a : b :: c : ?`` questions batched, with gensim's ``evaluate_word_analogies`` rule.

    Args:
        kv: vectors ordered most frequent first (the restriction keeps the first rows).
        path: questions file (``gensim.test.utils.datapath("questions-words.txt")``).
        restrict_vocab: only the first this many words are candidates, and questions using
            any other word are skipped.
        case_insensitive: match words upper-cased; the first (most frequent) case variant wins.
        method: ``"3CosAdd"`` (gensim's rule) or ``"3CosMul"`` (Levy & Goldberg; same skipping
            and exclusion, its own scores).
        batch_size: questions per matrix product (memory is ``batch_size x restrict_vocab`` floats).
    """
    if method not in ("3CosAdd", "3CosMul"):
        raise NlpError(f"unknown analogy method {method!r}; use 3CosAdd or 3CosMul.")
    started = time.perf_counter()
    fold = str.upper if case_insensitive else str
    upper_keys = [fold(k) for k in kv.index_to_key[:restrict_vocab]]
    evaluation = AnalogyEvaluation(method, restrict_vocab)
    questions = _known_questions(path, upper_keys, fold, evaluation)
    if len(questions):
        _score_questions(kv, questions, upper_keys, method, batch_size, evaluation)
    evaluation.seconds = time.perf_counter() - started
    return evaluation


def _known_questions(
    path: str | Path,
    upper_keys: list[str],
    fold: Callable[[str], str],
    evaluation: AnalogyEvaluation,
) -> np.ndarray:
    """``[section, ia, ib, ic, expected]`` rows of the questions whose four words are candidates;
    adds a section per file section to ``evaluation``, counting its skipped questions."""
    # reversed: for case variants the first (most frequent) index wins, as in gensim.
    ok_vocab = {k: i for i, k in reversed(list(enumerate(upper_keys)))}
    rows: list[tuple[int, int, int, int, int]] = []
    for s, (name, questions) in enumerate(read_analogy_questions(path)):
        section = AnalogySection(name)
        evaluation.sections.append(section)
        for question in questions:
            a, b, c, expected = (fold(w) for w in question)
            if not all(w in ok_vocab for w in (a, b, c, expected)):
                section.skipped += 1
                continue
            rows.append((s, ok_vocab[a], ok_vocab[b], ok_vocab[c], ok_vocab[expected]))
            section.total += 1
    return np.asarray(rows, dtype=np.int64).reshape(-1, 5)


def _score_questions(
    kv: KeyedVectors,
    questions: np.ndarray,
    upper_keys: list[str],
    method: str,
    batch_size: int,
    evaluation: AnalogyEvaluation,
) -> None:
    """Answer ``questions`` batch by batch; counts the correct ones into their sections."""
    kv.fill_norms()
    vectors = np.asarray(kv.vectors[: len(upper_keys)])
    norms = np.asarray(kv.norms[: len(upper_keys)], dtype=vectors.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        units = vectors / norms[:, None]
    # All-zero rows score NaN; gensim's argsort never picks them, so they get -inf here.
    zero_rows = np.flatnonzero(norms == 0)
    # One score buffer reused by every batch: a fresh [batch, V] array each time costs as much in
    # page faults as the matrix product itself.
    buffer = np.empty((min(batch_size, len(questions)), len(upper_keys)), dtype=vectors.dtype)
    for start in range(0, len(questions), batch_size):
        batch = questions[start : start + batch_size]
        ia, ib, ic = batch[:, 1], batch[:, 2], batch[:, 3]
        with np.errstate(invalid="ignore", divide="ignore"):
            if method == "3CosAdd":
                scores = _cos_add_scores(vectors, norms, units, ia, ib, ic, buffer[: len(batch)])
            else:
                scores = _cos_mul_scores(units, ia, ib, ic)
        scores[:, zero_rows] = -np.inf
        candidates = _top_k(scores, _TOPN + 3)
        for row, ranked in zip(batch, candidates, strict=True):
            s, a, b, c, expected = (int(x) for x in row)
            if _first_answer(ranked, (b, c, a), upper_keys) == upper_keys[expected]:
                evaluation.sections[s].correct += 1


def _cos_add_scores(vectors, norms, units, ia, ib, ic, out: np.ndarray) -> np.ndarray:
    """gensim's ``most_similar(positive=[b, c], negative=[a])`` scores for a batch, into ``out``."""
    # The same arithmetic as gensim.get_mean_vector: unit vectors summed in float32, the mean
    # normalised in float64 and cast back, so near-ties fall the same way.
    mean = (units[ib] + units[ic]) - units[ia]
    mean = mean.astype(np.float64) / 3.0
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    np.matmul(mean.astype(vectors.dtype), vectors.T, out=out)  # [batch, V]
    out /= norms[None, :]
    return out


def _cos_mul_scores(units, ia, ib, ic) -> np.ndarray:
    """3CosMul: cos(x,b) cos(x,c) / (cos(x,a) + eps), cosines shifted to [0, 1]."""

    def shifted(index: np.ndarray) -> np.ndarray:
        cosines = units[index] @ units.T  # [batch, V], float32, updated in place to save memory
        cosines += 1.0
        cosines /= 2.0
        return cosines

    scores = shifted(ib)
    scores *= shifted(ic)
    denominator = shifted(ia)
    denominator += 1e-6
    scores /= denominator
    return scores


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores per row, best first."""
    import torch  # its top-k is several times faster than numpy's argpartition here

    k = min(k, scores.shape[1])
    tensor = torch.from_numpy(np.ascontiguousarray(scores))
    return torch.topk(tensor, k, dim=1, sorted=True).indices.numpy()


def _first_answer(
    ranked: np.ndarray, inputs: tuple[int, int, int], upper_keys: list[str]
) -> str | None:
    """gensim's choice: the top 5 non-input rows, then the first whose folded word is not an input."""
    answers = [int(i) for i in ranked if int(i) not in inputs][:_TOPN]
    ignore = {upper_keys[i] for i in inputs}
    predicted = None
    for index in answers:
        predicted = upper_keys[index]
        if predicted not in ignore:
            break
    return predicted


def evaluate_word_pairs(
    kv: KeyedVectors, path: str | Path, restrict_vocab: int = 300_000
) -> WordPairsEvaluation:
    """Spearman/Pearson of cosines vs human scores (gensim's rule), with the unknown-pair rate."""
    import logging

    name = Path(path).name
    gensim_logger = logging.getLogger("gensim.models.keyedvectors")
    previous = gensim_logger.level
    gensim_logger.setLevel(logging.WARNING)  # gensim logs every skipped pair at INFO
    try:
        pearson, spearman, oov_percent = kv.evaluate_word_pairs(
            str(path), restrict_vocab=restrict_vocab
        )
    except ValueError:  # gensim raises when no pair is left
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        pairs = sum(1 for line in lines if line.strip() and not line.startswith("#"))
        return WordPairsEvaluation(name, None, None, pairs, 1.0)
    finally:
        gensim_logger.setLevel(previous)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    pairs = sum(1 for line in lines if line.strip() and not line.startswith("#"))
    return WordPairsEvaluation(
        name, _finite(spearman[0]), _finite(pearson[0]), pairs, oov_percent / 100.0
    )


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
