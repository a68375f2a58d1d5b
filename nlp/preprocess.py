"""Text cleaning shared by training, prediction, OCR'd text and the embedding lab.

lowercase -> strip HTML -> part words joined by punctuation -> ratings out of ten -> spaCy tokenizer
-> lookup lemmatizer -> drop stopwords (negations kept).

Speed: spaCy's full ``nlp.pipe`` spends most of its time building ``Doc`` objects and running the
lemmatizer component token by token, and ``n_process=2`` is slower still because whole Docs are
pickled between processes. We only need strings, so each worker runs the tokenizer alone, lemmatizes
with a per-process cache over the same lookup table, and sends back one space-joined string per text.
``benchmarks/bench_preprocess.py`` measures each variant.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import multiprocessing as mp
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "CONTRAST_WORDS",
    "NEGATIONS",
    "RATING",
    "TEXT_CLEANING",
    "PreprocessConfig",
    "Preprocessor",
    "clean_text",
]

# Raised whenever the same text and options give other tokens: token caches are keyed by it, and a
# model trained before (``metrics.json: provenance.text_cleaning``) is named as made by an older
# recipe. 4: words joined by punctuation parted, ratings kept.
TEXT_CLEANING = 4

# Words that flip a review. spaCy's STOP_WORDS holds all of these; dropping them turns
# "not good" into "good".
NEGATIONS = frozenset(
    {"no", "not", "n't", "never", "nor", "nothing", "without", "none", "nobody", "neither",
     "nowhere", "cannot", "noone"}
)  # fmt: skip

# Contrast and degree words, also spaCy stopwords: "good but too long", "only just watchable" and
# "not even funny" turn on them, and a one-sentence review has little else.
CONTRAST_WORDS = frozenset(
    {"but", "however", "although", "though", "yet", "too", "enough", "very", "really", "quite",
     "only", "just", "even", "least", "well", "much", "more", "less", "rather", "almost"}
)  # fmt: skip

# The lookup table folds comparatives and superlatives into other words ("worst" -> "wrong",
# "better" -> "well"), which erases exactly the sentiment the classifier needs.
_LEMMA_OVERRIDES = {"worst": "worst", "worse": "worse", "better": "better", "best": "best"}

_TAG = re.compile(r"<[^>]{0,200}>")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_HAS_LETTER = re.compile(r"[a-z]")
# A score the writer gave ("7/10", "4.5/5", "8 out of 10", "3/5 stars") is a review's clearest
# word, and the letter rule below would drop it: each becomes one token out of ten ("7/10").
# A date ("3/10/2005") is left as written (and dropped with the other numbers).
RATING = re.compile(
    r"(?<![\d./])(\d{1,2}(?:\.\d)?)\s*(?:/|out of)\s*(10|5)(?![\d/]|\.\d)", re.IGNORECASE
)
_RATING_TOKEN = re.compile(r"\d{1,2}/10")
# Sentence punctuation with no space after it ("great!Loved it", "predictable.The acting"): spaCy
# keeps such a run as one unknown token, and both words are lost. Typed reviews do it and OCR drops
# spaces after punctuation. Two letters before it, so "e.g." and "U.S." stay whole.
_JOINED = re.compile(r"(?<=[^\W\d_]{2})([.!?;)]+)(?=[^\W\d_])")


@dataclass(frozen=True)
class PreprocessConfig:
    """How raw review text becomes tokens. Stored in every model folder and cache key."""

    lowercase: bool = field(default=True, metadata={"help": "Lower-case the text first."})
    lemmatize: bool = field(
        default=True, metadata={"help": "Lemmatize with spaCy's English lookup table."}
    )
    remove_stopwords: bool = field(default=True, metadata={"help": "Drop spaCy's stopwords."})
    keep_negations: bool = field(
        default=True,
        metadata={"help": "Keep not/no/never/n't... even when stopwords are dropped."},
    )
    keep_contrast: bool = field(
        default=False,
        metadata={"help": "Keep contrast and degree words (but, too, very, only, even...) even "
                  "when stopwords are dropped."},
    )  # fmt: skip
    negation_scope: int = field(
        default=0,
        metadata={"help": "Mark up to this many words after a negation as negated ('not worth "
                  "the ticket' -> not ~worth ~ticket), until punctuation or a contrast word; "
                  "0: off."},
    )  # fmt: skip
    max_chars: int = field(
        default=20_000,
        metadata={"help": "Longer texts are truncated to this many characters (and flagged)."},
    )
    batch_size: int = field(default=500, metadata={"help": "Texts per spaCy tokenizer batch."})
    n_process: int = field(default=2, metadata={"help": "Worker processes for large corpora."})

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError("max_chars must be at least 1.")
        if self.batch_size < 1 or self.n_process < 1:
            raise ValueError("batch_size and n_process must be at least 1.")
        if self.negation_scope < 0:
            raise ValueError("negation_scope must be at least 0.")

    def cache_key(self) -> dict:
        """The fields that change the tokens (batching and processes do not)."""
        keep = ("lowercase", "lemmatize", "remove_stopwords", "keep_negations", "max_chars")
        key = {k: getattr(self, k) for k in keep} | {"version": TEXT_CLEANING}
        # Only when set, so the token caches made before these options stay valid.
        key |= {"keep_contrast": True} if self.keep_contrast else {}
        return key | ({"negation_scope": self.negation_scope} if self.negation_scope else {})

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> PreprocessConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def clean_text(text: str, *, lowercase: bool = True, max_chars: int = 20_000) -> str:
    """Strip HTML tags and entities, unify apostrophes, part words joined by sentence
    punctuation, lower-case and truncate."""
    text = text[: max_chars * 2]  # cheap guard before the regex work on megabyte inputs
    text = _TAG.sub(" ", text)
    text = _JOINED.sub(r"\1 ", html.unescape(text).translate(_APOSTROPHES))
    if lowercase:
        text = text.lower()
    return text[:max_chars]


def _out_of_ten(match: re.Match) -> str:
    """A rating as one token out of ten ("4.5/5" -> "9/10"), spaced from its neighbours."""
    value, scale = float(match[1]), int(match[2])
    return match[0] if value > scale else f" {round(value * 10 / scale)}/10 "


class Preprocessor:
    """Turns texts into token lists. Build once; the spaCy objects load lazily on first use."""

    def __init__(self, config: PreprocessConfig | None = None) -> None:
        self.config = config or PreprocessConfig()

    @cached_property
    def _nlp(self):
        import spacy

        # Only the tokenizer runs; the blank pipeline has nothing else to disable.
        return spacy.blank("en")

    @cached_property
    def _lemmas(self):
        """spaCy's lemma lookup Table (keys are hashed, so only ``.get(word)`` works)."""
        from spacy.lookups import load_lookups

        if not self.config.lemmatize:
            return {}
        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")

    @cached_property
    def _stopwords(self) -> frozenset[str]:
        from spacy.lang.en.stop_words import STOP_WORDS

        if not self.config.remove_stopwords:
            return frozenset()
        words = {w.translate(_APOSTROPHES) for w in STOP_WORDS}
        kept = (NEGATIONS if self.config.keep_negations else set()) | (
            CONTRAST_WORDS if self.config.keep_contrast else set()
        )
        return frozenset(words - kept)

    def is_truncated(self, text: str) -> bool:
        return len(text) > self.config.max_chars

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one text (the same as ``tokenize_many([text])[0]``)."""
        return self.tokenize_many([text], n_process=1)[0]

    def tokenize_many(self, texts: Sequence[str], n_process: int | None = None) -> list[list[str]]:
        """Tokens of many texts, in order; large inputs are split over worker processes."""
        n_process = self.config.n_process if n_process is None else n_process
        if n_process > 1 and len(texts) >= 2000:
            return self._tokenize_parallel(texts, n_process)
        return [joined.split() for joined in self._tokenize_joined(texts)]

    def _tokenize_joined(self, texts: Iterable[str]) -> list[str]:
        cfg = self.config
        clean = functools.partial(clean_text, lowercase=cfg.lowercase, max_chars=cfg.max_chars)
        cleaned = (RATING.sub(_out_of_ten, clean(t)) for t in texts)
        lemmas, stop, cache, scope = self._lemmas, self._stopwords, {}, cfg.negation_scope
        out = []
        for doc in self._nlp.tokenizer.pipe(cleaned, batch_size=cfg.batch_size):
            kept, pairs = [], []
            for token in doc:
                word = token.text
                lemma = cache.get(word)
                if lemma is None:
                    # Keep words with a letter, and ratings (drops punctuation, numbers, emoticons).
                    kept_word = _HAS_LETTER.search(word) or _RATING_TOKEN.fullmatch(word)
                    drop = word in stop or not kept_word
                    lemma = "" if drop else _LEMMA_OVERRIDES.get(word) or lemmas.get(word, word)
                    cache[word] = lemma
                if scope:  # tagged below, where the punctuation is still known
                    pairs.append((word, lemma))
                elif lemma:
                    kept.append(lemma)
            out.append(" ".join(_mark_negated(pairs, scope) if scope else kept))
        return out

    def _tokenize_parallel(self, texts: Sequence[str], n_process: int) -> list[list[str]]:
        chunk = max(1, len(texts) // (n_process * 4))
        chunks = [list(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
        # fork shares the loaded spaCy objects with the workers; strings come back, not Docs.
        self._nlp, self._lemmas, self._stopwords  # noqa: B018 - load once before forking
        ctx = mp.get_context("fork")
        with ctx.Pool(n_process, initializer=_set_worker, initargs=(self,)) as pool:
            parts = pool.map(_worker_tokenize, chunks)
        return [joined.split() for part in parts for joined in part]


# Where a negation's reach ends: a token of punctuation (". , ; : ! ?" and runs like "!!" or
# "..."), a bracket, quote or dash, or a word that turns the sentence.
_CLAUSE_ENDS = tuple(".,;:!?")
_SCOPE_ENDS = frozenset({*'()[]"', "--", "but", "however", "although", "though", "yet"})
NEGATED = "~"  # prefix of a word inside a negation's reach


def _mark_negated(pairs: list[tuple[str, str]], scope: int) -> list[str]:
    """The kept lemmas, the first ``scope`` of them after a negation written ``~word``
    (Das & Chen's negation tagging), so "not worth" and "worth" are different features."""
    kept, reach = [], 0
    for word, lemma in pairs:
        if word in _SCOPE_ENDS or (not lemma and word.startswith(_CLAUSE_ENDS)):
            reach = 0
        if word in NEGATIONS or lemma in NEGATIONS:
            reach = scope
        elif lemma and reach:
            lemma, reach = NEGATED + lemma, reach - 1
        if lemma:
            kept.append(lemma)
    return kept


_WORKER: Preprocessor | None = None


def _set_worker(preprocessor: Preprocessor) -> None:
    global _WORKER
    _WORKER = preprocessor


def _worker_tokenize(texts: list[str]) -> list[str]:
    assert _WORKER is not None
    return _WORKER._tokenize_joined(texts)
