"""Optional lexicon correction of OCR output: fix misread words, leave correct rare words alone.

It uses ``symspellpy``'s English frequency list (82,765 words, shipped inside the wheel) plus an
optional extra vocabulary the caller passes in (e.g. words seen in movie reviews). A word is only
changed when all of these hold, so a correct word is not "fixed" into a commoner one:

* it is not in either vocabulary (nor is its stem before a possessive ``'s``);
* it is made of letters only (no digits), at least three of them, and is not capitalised
  mid-word (``McKellen``, ``DVD``): such words are names and acronyms, not misreadings;
* a dictionary word is within edit distance 1 (words up to six letters) or 2 (longer words).
  A lost apostrophe (``didnt``) is restored first, as handwritten apostrophes are tiny; otherwise
  the closest candidate wins, ties going to the word more frequent in the extra vocabulary (the
  domain: ``borng`` is ``boring`` in a review, not ``born``), then in English.

Case and the punctuation around a word are kept: ``Teh,`` becomes ``The,``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["Lexicon", "dictionary_path"]

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SHORT_WORD = 6  # letters; up to this length only one edit is trusted


def dictionary_path() -> Path:
    """The English frequency list shipped in the ``symspellpy`` wheel."""
    import symspellpy

    return Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"


@functools.cache
def _load_symspell(path: str):
    """Index a frequency list once per process: it takes a few seconds and is shared by all."""
    from symspellpy import SymSpell

    symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    if not symspell.load_dictionary(path, term_index=0, count_index=1):
        from inksight.ocr.errors import OcrError

        raise OcrError(f"Cannot read the word list {path}; reinstall symspellpy.")
    return symspell


class Lexicon:
    """Corrects words that are in no vocabulary to a close dictionary word.

    Args:
        extra_words: Words to accept as correct besides the English list (any case), or a
            mapping of such words to how often they occur (used to break ties).
        dictionary: A ``word count`` per line frequency list (default: symspellpy's English one).
    """

    def __init__(
        self, extra_words: Iterable[str] | Mapping[str, int] = (), dictionary: Path | None = None
    ) -> None:
        self._symspell = _load_symspell(str(dictionary or dictionary_path()))
        counts = extra_words if isinstance(extra_words, Mapping) else dict.fromkeys(extra_words, 1)
        self._extra: dict[str, int] = {}
        for word, count in counts.items():
            self._extra[word.lower()] = self._extra.get(word.lower(), 0) + int(count)
        self._known = set(self._symspell.words) | set(self._extra)

    @classmethod
    @functools.cache
    def load(cls) -> Lexicon:
        """The English-only lexicon, built once per process."""
        return cls()

    def is_known(self, word: str) -> bool:
        """Whether ``word`` (any case, possessive ``'s`` allowed) is in a vocabulary."""
        lower = word.lower()
        return lower in self._known or (lower.endswith("'s") and lower[:-2] in self._known)

    def correct_word(self, word: str) -> str:
        """``word`` corrected if the gates above allow it, else unchanged."""
        if len(word) < 3 or self.is_known(word) or not word.replace("'", "").isalpha():
            return word
        if any(c.isupper() for c in word[1:]):
            return word
        from symspellpy import Verbosity

        lower = word.lower()
        with_apostrophe = [f"{lower[:i]}'{lower[i:]}" for i in range(1, len(lower))]
        restored = [w for w in with_apostrophe if w in self._known]
        if restored:
            best = restored[0]
        else:
            distance = 1 if len(word) <= _SHORT_WORD else 2
            suggestions = self._symspell.lookup(lower, Verbosity.CLOSEST, distance)
            if not suggestions:
                return word
            best = max(suggestions, key=lambda s: (self._extra.get(s.term, 0), s.count)).term
        return best[0].upper() + best[1:] if word[0].isupper() else best

    def correct_text(self, text: str) -> str:
        """Correct every word of ``text``, keeping spaces, line breaks and punctuation."""
        return _WORD.sub(lambda match: self.correct_word(match.group()), text)
