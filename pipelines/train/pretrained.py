"""Start the classifier's Embedding from pretrained vectors (GloVe, IMDB word2vec, any vectors file).

The vocabulary holds lemmas ("movie", "act") while GloVe holds surface words ("movies", "acting"), so
each vocabulary word is looked up as itself first, then as the surface forms it was lemmatized from
in the training reviews, most frequent first. Bigram tokens ("not_good") start at the mean of their
two words' vectors when both have one: the pair then begins where its words are, and under max
pooling it adds nothing until training moves it (a mean never beats both of its parts). Every other
row gets a seeded small random vector, ``N(0, init_std)`` like the scratch model; those rows are
listed in ``trainable_rows`` so ``--freeze --train-unknown`` can still train them.

Coverage is reported both ways a learner cares about: how many vocabulary words got a pretrained
vector, and what share of the training tokens those words cover.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from inksight.nlp.vectors.word_vectors import WordVectors
from inksight.nlp.vocab import Vocab
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig

__all__ = [
    "LOW_COVERAGE_SHARE",
    "Coverage",
    "InitialEmbeddings",
    "initial_embeddings",
    "build_initial_embeddings",
    "surface_forms",
    "pretrained_vectors",
    "word2vec_for_data",
]

LOW_COVERAGE_SHARE = 0.5  # below this share of training tokens with a vector, the user is warned


@dataclass
class Coverage:
    """How much of the vocabulary and of the training text got a pretrained vector."""

    vocab_words: int  # vocabulary rows other than <pad> and <unk>
    unigrams: int  # of which single words
    exact: int  # single words found as they are
    via_surface_form: int  # single words found through a surface form seen in training
    bigrams: int  # "a_b" rows
    bigrams_from_parts: int  # of which started from their two words' mean
    training_tokens: int  # single-word tokens in the training reviews
    covered_tokens: int  # of which have a pretrained vector

    @property
    def words_with_vector(self) -> int:
        return self.exact + self.via_surface_form

    @property
    def word_share(self) -> float:
        return self.words_with_vector / max(1, self.unigrams)

    @property
    def token_share(self) -> float:
        return self.covered_tokens / max(1, self.training_tokens)

    def sentence(self) -> str:
        return (
            f"{self.words_with_vector:,} of {self.unigrams:,} vocabulary words "
            f"({self.word_share:.1%}; {self.via_surface_form:,} through a surface form) have a "
            f"pretrained vector, covering {self.token_share:.1%} of the training tokens; "
            f"{self.bigrams_from_parts:,} of {self.bigrams:,} bigram tokens start from their words."
        )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {
            "word_share": round(self.word_share, 4),
            "token_share": round(self.token_share, 4),
        }


@dataclass
class InitialEmbeddings:
    """The starting Embedding matrix and where it came from (recorded in the model folder)."""

    matrix: np.ndarray  # [len(vocab), dim] float32, row 0 (<pad>) zero
    trainable_rows: list[int]  # rows without a pretrained vector (random start)
    origin: str  # "glove" or "word2vec"
    vectors: str  # the set's name or the file it came from
    frozen: bool
    train_unknown: bool
    coverage: Coverage
    warnings: list[str] = field(default_factory=list)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def describe(self) -> dict:
        return {
            "init": self.origin,
            "vectors": self.vectors,
            "dim": self.dim,
            "frozen": self.frozen,
            "train_unknown": self.train_unknown,
            "coverage": self.coverage.to_dict(),
            "warnings": list(self.warnings),
        }


def surface_forms(
    surface_tokens: Sequence[Sequence[str]], lemmatize: Callable[[list[str]], list[str]]
) -> dict[str, list[str]]:
    """Map each lemma to the surface words it came from, most frequent first.

    Args:
        surface_tokens: the training reviews tokenized without lemmatization.
        lemmatize: turns a list of surface words into their lemmas (one per word, "" when dropped).
    """
    counts = Counter(word for tokens in surface_tokens for word in tokens)
    words = [w for w, _ in counts.most_common()]
    forms: dict[str, list[str]] = {}
    for word, lemma in zip(words, lemmatize(words), strict=True):
        if lemma and lemma != word:
            forms.setdefault(lemma, []).append(word)
    return forms


@lru_cache(maxsize=4)
def _training_surface_forms(data: str | None, keep_negations: bool) -> dict[str, list[str]]:
    """Lemma -> surface forms from the whole training split (unlabelled text; cached on disk)."""
    from inksight.nlp.preprocess import PreprocessConfig, Preprocessor
    from inksight.pipelines.train.data import load_splits, tokenized_reviews

    frame = load_splits(data)["train"]
    surface = tokenized_reviews(
        frame, PreprocessConfig(lemmatize=False, keep_negations=keep_negations)
    )
    lemmatizer = Preprocessor(PreprocessConfig(keep_negations=keep_negations, n_process=1))

    def lemmatize(words: list[str]) -> list[str]:
        # Each word alone through the same tokenizer + lookup table the vocabulary came from.
        return [" ".join(t) for t in lemmatizer.tokenize_many(words, n_process=1)]

    return surface_forms(surface, lemmatize)


def pretrained_vectors(config: TrainConfig) -> WordVectors:
    """The vectors ``config`` asks for: ``--vectors`` (file or set name), else GloVe 6B 50d or the
    IMDB word2vec set."""
    from inksight.pipelines.embeddings.sets import glove_vectors, open_vectors, word2vec_vectors

    if config.vectors is not None:
        return open_vectors(str(config.vectors))
    if config.embeddings == "glove":
        return glove_vectors()
    if config.data is None:
        return word2vec_vectors()
    return word2vec_for_data(str(config.data), config.keep_negations)


@lru_cache(maxsize=2)
def word2vec_for_data(data: str, keep_negations: bool) -> WordVectors:
    """Word2vec trained on the user's own training reviews (the cached set is IMDB's)."""
    from inksight.nlp.preprocess import PreprocessConfig
    from inksight.pipelines.embeddings.sets import Word2VecConfig, train_word2vec
    from inksight.pipelines.train.data import load_splits, tokenized_reviews

    tokens = tokenized_reviews(
        load_splits(data)["train"], PreprocessConfig(keep_negations=keep_negations)
    )
    kv = train_word2vec(tokens, Word2VecConfig(min_count=2))
    return WordVectors(kv, "word2vec")


def initial_embeddings(
    config: TrainConfig, vocab: Vocab, train_tokens: Sequence[Sequence[str]]
) -> InitialEmbeddings:
    """The pretrained starting matrix for ``config.embeddings`` over ``vocab`` (used by train_main).

    Raises:
        PipelineError: an explicit ``--embed-dim`` disagrees with the vectors' dimension.
    """
    vectors = pretrained_vectors(config)
    default_dim = next(f.default for f in dataclasses.fields(TrainConfig) if f.name == "embed_dim")
    if config.embed_dim not in (default_dim, vectors.dim):
        raise PipelineError(
            f"--embed-dim {config.embed_dim} disagrees with the {vectors.dim}-dimensional vectors "
            f"in {config.vectors or vectors.name}; leave --embed-dim out (the dimension follows "
            "the vectors) or give vectors of that size."
        )
    data = str(config.data) if config.data is not None else None
    start = build_initial_embeddings(
        vocab,
        vectors,
        train_tokens,
        forms=_training_surface_forms(data, config.keep_negations),
        seed=config.seed,
        init_std=config.init_std,
    )
    start.origin = config.embeddings
    start.vectors = str(config.vectors) if config.vectors else vectors.name
    start.frozen, start.train_unknown = config.freeze, config.freeze and config.train_unknown
    print(f"Embeddings from {start.vectors}: {start.coverage.sentence()}", file=sys.stderr)
    for warning in start.warnings:
        print(f"inksight: warning: {warning}", file=sys.stderr)
    return start


def build_initial_embeddings(
    vocab: Vocab,
    vectors: WordVectors,
    train_tokens: Sequence[Sequence[str]],
    forms: dict[str, list[str]] | None = None,
    *,
    seed: int = 13,
    init_std: float = 0.01,
) -> InitialEmbeddings:
    """Look every vocabulary row up in ``vectors``; the pure function behind ``initial_embeddings``.

    Args:
        vocab: the classifier's vocabulary (lemmas, maybe bigram tokens "a_b").
        vectors: the pretrained set; its dimension becomes the Embedding's.
        train_tokens: the training reviews' (lemmatized, single-word) tokens, for the token share.
        forms: lemma -> surface forms seen in training, most frequent first.
        seed: seeds the random rows, so the same vocabulary always starts the same.
        init_std: standard deviation of the random rows.
    """
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, init_std, size=(len(vocab), vectors.dim)).astype(np.float32)
    matrix[0] = 0.0
    found, counts = _copy_known_rows(matrix, vocab, vectors, forms or {})
    coverage = _coverage(vocab, found, counts, train_tokens)
    warnings = []
    if coverage.token_share < LOW_COVERAGE_SHARE:
        warnings.append(
            f"only {coverage.token_share:.1%} of the training tokens ({coverage.words_with_vector:,} "
            f"of {coverage.unigrams:,} vocabulary words) have a vector in {vectors.name}; the "
            "pretrained start carries little, so check that the vectors match the reviews' language."
        )
    trainable = [row for row in range(1, len(vocab)) if not found[row]]
    return InitialEmbeddings(
        matrix=matrix,
        trainable_rows=trainable,
        origin="pretrained",
        vectors=vectors.name,
        frozen=False,
        train_unknown=False,
        coverage=coverage,
        warnings=warnings,
    )


def _copy_known_rows(
    matrix: np.ndarray, vocab: Vocab, vectors: WordVectors, forms: dict[str, list[str]]
) -> tuple[np.ndarray, Counter]:
    """Write into ``matrix`` the pretrained vector of every vocabulary row that has one (a bigram
    "a_b" gets the mean of its words'); returns which rows got one and how, counted."""
    index, rows = vectors.key_to_index, vectors.matrix
    found = np.zeros(len(vocab), dtype=bool)
    counts: Counter = Counter()

    def find(word: str) -> str | None:
        for candidate in (word, *forms.get(word, ())):
            if candidate in index:
                return candidate
        return None

    for row, token in enumerate(vocab.itos[2:], start=2):
        parts = token.split("_")
        if len(parts) == 2 and all(parts):
            counts["bigrams"] += 1
            keys = [find(p) for p in parts]
            if all(keys):
                matrix[row] = np.mean([rows[index[k]] for k in keys], axis=0)
                found[row] = True
                counts["bigrams_from_parts"] += 1
            continue
        key = find(token)
        if key is not None:
            matrix[row] = rows[index[key]]
            found[row] = True
            counts["exact" if key == token else "via_surface_form"] += 1
    return found, counts


def _coverage(
    vocab: Vocab, found: np.ndarray, counts: Counter, train_tokens: Sequence[Sequence[str]]
) -> Coverage:
    tokens = Counter(t for review in train_tokens for t in review)
    covered = sum(n for t, n in tokens.items() if t in vocab.stoi and found[vocab.stoi[t]])
    return Coverage(
        vocab_words=len(vocab) - 2,
        unigrams=len(vocab) - 2 - counts["bigrams"],
        exact=counts["exact"],
        via_surface_form=counts["via_surface_form"],
        bigrams=counts["bigrams"],
        bigrams_from_parts=counts["bigrams_from_parts"],
        training_tokens=sum(tokens.values()),
        covered_tokens=covered,
    )
