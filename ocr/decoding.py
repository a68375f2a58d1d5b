"""CTC prefix beam search with a word language model: reads a line's per-frame character
probabilities in the context of the words around them.

Greedy CTC decoding takes the likeliest character at every frame, so narrow cursive comes out as
``thonoughly`` or ``Anetheadofmaterial``. The beam search keeps the ``beam`` best readings frame
by frame and scores each as

    log P_ctc(text) + alpha * log P_lm(words) + beta * words - split_penalty * inserted spaces

* a word's language-model score is added when it ends; a word that stops being the start of any
  known word is charged the unknown-word score at once, so ``heall...`` loses to ``reall...``
  before the line ends;
* between two letters the search may insert a space the recogniser did not see, paid for by
  ``split_penalty`` and judged by the language model (``tofull`` -> ``to full``);
* usual handwriting confusions (``n`` read for ``r``, ``a`` for ``o``, ...) give the other letter
  a share of the frame's probability, so context can choose it when the recogniser never would.

Probabilities are used as the recogniser gives them (softmax per frame); frames that are almost
surely blank are stepped over in one go, which is most of a line and keeps this fast in Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inksight.ocr.language_model import WordLanguageModel

__all__ = ["CONFUSIONS", "BeamDecoder"]

NEG_INF = -math.inf
# Letters handwriting models commonly read in place of another: read -> also consider.
CONFUSIONS: dict[str, str] = {
    "n": "ru",
    "h": "r",
    "u": "nv",
    "r": "n",
    "a": "o",
    "o": "a",
    "e": "c",
    "c": "e",
    "i": "l",
    "l": "i",
}


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    high, low = (a, b) if a > b else (b, a)
    return high + math.log1p(math.exp(low - high))


@dataclass(slots=True)
class _Beam:
    """One reading so far; its word state is fixed by its text, so it is set once at creation."""

    blank: float = NEG_INF  # log P of this text with the last frame a blank
    char: float = NEG_INF  # ... with the last frame its last character
    lm: float = 0.0  # language-model log P of its completed words
    words: int = 0
    previous: str | None = None  # the last completed word, for the bigram
    partial: str = ""  # the word being written (lower case)
    partial_penalty: float = 0.0

    @property
    def ctc(self) -> float:
        return _add(self.blank, self.char)


class BeamDecoder:
    """Lexicon- and language-model-aware CTC prefix beam search.

    Args:
        characters: The recogniser's symbols; index 0 is the CTC blank.
        language_model: Scores words in context (None: plain CTC beam search, no word changes).
        beam: Readings kept after each frame.
        top_k: Most characters tried per frame.
        min_probability: Characters less likely than this in a frame are not tried.
        alpha: Weight of the language model against the recogniser.
        beta: Bonus per word (balances the language model's cost of every extra word).
        split_penalty: Log-probability cost of a space the recogniser did not see.
        confusion: Share of a letter's probability given to the letters it is confused with.
        blank_skip: Frames whose blank probability is above this are taken as blank.
    """

    def __init__(
        self,
        characters: Sequence[str],
        language_model: WordLanguageModel | None = None,
        *,
        beam: int = 12,
        top_k: int = 6,
        min_probability: float = 1e-3,
        # Chosen on the hard tuning fonts only (benchmarks/tune_ocr_reader.py, docs/ocr-benchmark.md);
        # alpha and beta chosen again for the fine-tuned recogniser, which is surer frame by frame.
        alpha: float = 0.5,
        beta: float = 3.0,
        split_penalty: float = 7.0,
        confusion: float = 0.0,
        blank_skip: float = 0.999,
    ) -> None:
        self.characters = list(characters)
        self.language_model = language_model
        self.beam = beam
        self.top_k = top_k
        self.min_probability = min_probability
        self.alpha = alpha
        self.beta = beta
        self.split_penalty = split_penalty
        self.confusion = confusion
        self.blank_skip = blank_skip
        index = {c: i for i, c in enumerate(self.characters)}
        self._confusions = {
            index[a]: [index[b] for b in others if b in index]
            for a, others in CONFUSIONS.items()
            if a in index
        }
        self._space = index.get(" ")

    def decode(self, probabilities: np.ndarray) -> str:
        """The best reading of ``probabilities`` (T frames x characters, index 0 blank)."""
        # Long because the CTC prefix recursion reads best as one loop over frames.
        probabilities = np.asarray(probabilities, dtype=np.float64)
        beams: dict[str, _Beam] = {"": _Beam(blank=0.0)}
        for frame in probabilities:
            if frame[0] >= self.blank_skip:
                for beam in beams.values():  # the whole beam moves on with a blank
                    beam.blank, beam.char = beam.ctc + math.log(frame[0]), NEG_INF
                continue
            log_blank = math.log(max(frame[0], 1e-30))
            candidates = self._candidates(frame)
            following: dict[str, _Beam] = {}
            for text, beam in beams.items():
                total = beam.ctc
                stay = self._get(following, text, beam)
                stay.blank = _add(stay.blank, total + log_blank)
                last = text[-1] if text else ""
                for index, log_p in candidates:
                    char = self.characters[index]
                    if char == last:
                        stay.char = _add(stay.char, beam.char + log_p)  # repeat collapses
                        source = beam.blank  # a blank in between makes it a new letter
                    else:
                        source = total
                    if source == NEG_INF:
                        continue
                    grown = self._get(following, text + char, beam, char)
                    grown.char = _add(grown.char, source + log_p)
                    if self.language_model and char.isalpha() and last.isalpha():
                        split = self._get(following, text + " " + char, beam, " " + char)
                        split.char = _add(split.char, source + log_p - self.split_penalty)
            beams = dict(
                sorted(following.items(), key=lambda item: -self._score(item[1]))[: self.beam]
            )
        return max(beams.items(), key=lambda item: self._final_score(item[1]))[0].strip()

    def _candidates(self, frame: np.ndarray) -> list[tuple[int, float]]:
        """(symbol, log probability) pairs worth trying in this frame, blank excluded."""
        top = np.argpartition(frame[1:], -self.top_k)[-self.top_k :] + 1
        chosen = {int(i): float(frame[i]) for i in top if frame[i] >= self.min_probability}
        if self.language_model and self.confusion > 0:
            for index, p in list(chosen.items()):
                for other in self._confusions.get(index, ()):
                    share = self.confusion * p
                    if share >= self.min_probability and chosen.get(other, 0.0) < share:
                        chosen[other] = share
        return [(index, math.log(p)) for index, p in chosen.items()]

    def _get(self, beams: dict[str, _Beam], text: str, parent: _Beam, added: str = "") -> _Beam:
        """The beam for ``text`` in ``beams``, created from ``parent`` plus ``added`` if new."""
        beam = beams.get(text)
        if beam is not None:
            return beam
        beam = _Beam(
            lm=parent.lm,
            words=parent.words,
            previous=parent.previous,
            partial=parent.partial,
            partial_penalty=parent.partial_penalty,
        )
        for char in added:
            self._advance_word(beam, char)
        beams[text] = beam
        return beam

    def _advance_word(self, beam: _Beam, char: str) -> None:
        model = self.language_model
        if model is None:
            return
        if char.isalpha() or (char == "'" and beam.partial):
            beam.partial += char.lower()
            if not beam.partial_penalty and not model.is_prefix(beam.partial):
                beam.partial_penalty = model.unknown  # charged now, settled when the word ends
            return
        self._end_word(beam)

    def _end_word(self, beam: _Beam) -> None:
        word = beam.partial.strip("'")
        if word:
            beam.lm += self.language_model.score(beam.previous, word)
            beam.words += 1
            beam.previous = word
        beam.partial, beam.partial_penalty = "", 0.0

    def _score(self, beam: _Beam) -> float:
        lm = beam.lm + beam.partial_penalty
        return beam.ctc + self.alpha * lm + self.beta * beam.words

    def _final_score(self, beam: _Beam) -> float:
        if self.language_model is not None and beam.partial:
            finished = _Beam(lm=beam.lm, words=beam.words, previous=beam.previous)
            finished.partial = beam.partial
            self._end_word(finished)
            return beam.ctc + self.alpha * finished.lm + self.beta * finished.words
        return self._score(beam)
