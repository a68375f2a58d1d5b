"""A small word language model for OCR decoding: a smoothed bigram over a domain text, backed by
general English word frequencies.

``score(previous, word)`` is ``log P(word | previous)``:

* the unigram mixes the domain's word frequencies (e.g. movie reviews) with symspellpy's English
  list (82,765 words, shipped in its wheel), so a word common in reviews but rare in English
  (``cinematography``) and a plain English word never seen in reviews are both known;
* the bigram is the domain's pair counts, Dirichlet-smoothed towards that unigram, so a pair never
  seen falls back to how common the word is;
* a word in no list gets ``unknown`` (a fixed, low log probability): names and rare words can still
  be read when the recogniser is sure of them.

``is_prefix`` tells whether some known word starts with a string, so a decoder can penalise a
spelling early, before the word ends.

Words are matched lower-cased; what the caller passes in is the only text the model ever sees (the
pipeline passes IMDB training reviews, never the ones benchmarks render).
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

__all__ = ["WordLanguageModel", "words_of"]

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")
START = "<s>"


def words_of(text: str) -> list[str]:
    """Lower-cased words of ``text`` as the model counts them (``didn't`` is one word)."""
    return _WORD.findall(text.replace("<br />", " ").lower())


FORMAT = "inksight-words v1"


class WordLanguageModel:
    """Bigram word model with Dirichlet smoothing towards a mixed domain + English unigram.

    Args:
        texts: Domain texts to count words and word pairs in.
        english: A ``word count`` per line frequency list (e.g. ``lexicon.dictionary_path()``).
        domain_weight: Share of the unigram that comes from the domain counts.
        smoothing: Dirichlet strength: pseudo-counts of the unigram added to every bigram row.
        unknown: Log probability of a word in no list.
        min_pair_count: Pairs seen fewer times are dropped (keeps memory small; they add noise).
    """

    def __init__(
        self,
        texts: Iterable[str] = (),
        *,
        english: Path | None = None,
        domain_weight: float = 0.7,
        smoothing: float = 20.0,
        unknown: float = -20.0,
        min_pair_count: int = 2,
    ) -> None:
        unigrams: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for text in texts:
            words = words_of(text)
            unigrams.update(words)
            pairs.update(zip([START, *words[:-1]], words, strict=True))
        english_counts = _read_counts(english) if english else {}
        domain_total = max(sum(unigrams.values()), 1)
        english_total = max(sum(english_counts.values()), 1)
        if not english_counts:
            domain_weight = 1.0
        elif not unigrams:
            domain_weight = 0.0
        self._unigram: dict[str, float] = {}
        for word in set(unigrams) | set(english_counts):
            p = domain_weight * unigrams.get(word, 0) / domain_total
            p += (1 - domain_weight) * english_counts.get(word, 0) / english_total
            self._unigram[word] = p
        self._pairs = {pair: count for pair, count in pairs.items() if count >= min_pair_count}
        self.smoothing = smoothing
        self.unknown = unknown
        self._index()

    def _index(self) -> None:
        self._context: Counter[str] = Counter()  # how often each word starts a kept pair
        for (previous, _), count in self._pairs.items():
            self._context[previous] += count
        self._sorted = sorted(self._unigram)  # a prefix test is one bisection, no prefix table

    def save(self, path: Path) -> None:
        """Write the model as JSON (plain data: loading it runs no code, unlike a pickle)."""
        state = {
            "format": FORMAT,
            "smoothing": self.smoothing,
            "unknown": self.unknown,
            "unigram": self._unigram,
            "pairs": [[previous, word, count] for (previous, word), count in self._pairs.items()],
        }
        path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> WordLanguageModel:
        """Read a model ``save`` wrote.

        Raises:
            ValueError: the file is not such a model (the caller rebuilds it).
        """
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"{path} is not an {FORMAT} file")
        model = cls.__new__(cls)
        model.smoothing = float(state["smoothing"])
        model.unknown = float(state["unknown"])
        model._unigram = {str(w): float(p) for w, p in state["unigram"].items()}
        model._pairs = {(str(a), str(b)): int(c) for a, b, c in state["pairs"]}
        model._index()
        return model

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._unigram

    def is_prefix(self, start: str) -> bool:
        """Whether some known word begins with ``start`` (lower-cased)."""
        start = start.lower()
        at = bisect.bisect_left(self._sorted, start)
        return at < len(self._sorted) and self._sorted[at].startswith(start)

    def score(self, previous: str | None, word: str) -> float:
        """``log P(word | previous)``; ``previous`` None means the start of a line."""
        word = word.lower()
        unigram = self._unigram.get(word)
        if unigram is None:
            return 0.0 if word.isdigit() else self.unknown  # numbers: nothing to correct
        context = START if previous is None else previous.lower()
        pair = self._pairs.get((context, word), 0)
        total = self._context.get(context, 0)
        return math.log((pair + self.smoothing * unigram) / (total + self.smoothing))


def _read_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                counts[parts[0].lower()] = counts.get(parts[0].lower(), 0) + int(parts[1])
    return counts
