"""The embedding sets the web app explores side by side: neighbours, similarity, analogies, maps.

``EmbeddingLab`` opens each set once and answers with plain dicts; an unknown word becomes a
message with close suggestions instead of an exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.word_vectors import WordVectors
from inksight.pipelines.embeddings.sets import SET_NAMES, open_vectors, word2vec_ready
from inksight.pipelines.errors import PipelineError

__all__ = ["SET_TITLES", "EmbeddingLab"]

SET_TITLES = {"model": "classifier", "word2vec": "word2vec", "glove": "GloVe"}


class EmbeddingLab:
    """The embedding sets the app queries, each opened on first use and then kept.

    Args:
        sources: set name -> what ``inksight.pipelines.embeddings.sets.open_vectors`` opens ("model",
            "word2vec", "glove" or a vectors file); default the three standard sets.
        model_dir: the classifier folder behind "model" and the map's colours. None uses the
            default model's folder only if it is already trained: the lab never trains one, so
            the caller resolves it first (``inksight demo`` calls ``ensure_default_model``).
    """

    def __init__(
        self,
        sources: Mapping[str, str | Path] | None = None,
        model_dir: str | Path | None = None,
    ) -> None:
        self.sources = dict(sources or {name: name for name in SET_NAMES})
        self.model_dir = model_dir
        self._opened: dict[str, WordVectors] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        """The set names, in the order the app shows them."""
        return list(self.sources)

    def vectors(self, name: str) -> WordVectors:
        """The set called ``name``, opened once (word2vec is never trained inside a request).

        Raises:
            PipelineError: unknown set name, or a set that is not built yet (with the command).
        """
        if name not in self.sources:
            raise PipelineError(f"unknown embedding set {name!r}; choose one of {self.names}.")
        with self._lock:  # two requests must not convert GloVe into the cache at the same time
            if name not in self._opened:
                source = self.sources[name]
                if str(source) == "word2vec" and not word2vec_ready():
                    raise PipelineError(
                        "the word2vec set is not trained yet; run `inksight neighbours good "
                        "--vectors word2vec` once (a few minutes), then restart the app."
                    )
                self._opened[name] = open_vectors(source, self.model_dir)
            return self._opened[name]

    def warm(self) -> dict[str, str | None]:
        """Open every set now; returns set -> None, or the reason it cannot open."""
        problems: dict[str, str | None] = {}
        for name in self.names:
            try:
                self.vectors(name)
                problems[name] = None
            except (PipelineError, NlpError, OSError) as error:
                problems[name] = str(error)
        return problems

    def neighbours(self, word: str, topn: int = 10, sets: Sequence[str] | None = None) -> dict:
        """``word``'s nearest neighbours in each set: ``{"word", "sets": [{vectors, looked_up,
        neighbours: [{word, score}], error}]}``; an unknown word is an ``error`` with suggestions."""
        word = _one_word(word)
        if not 1 <= int(topn) <= 100:
            raise PipelineError(f"the number of neighbours must be 1 to 100, not {topn}.")
        answers = []
        for name in sets or self.names:
            answers.append(
                self._ask(name, lambda wv: _neighbours_dict(wv.most_similar(word, int(topn))))
            )
        return {"word": word, "sets": answers}

    def similarity(self, word1: str, word2: str, sets: Sequence[str] | None = None) -> dict:
        """Cosine similarity of two words in each set: ``{"words", "sets": [{vectors,
        looked_up, cosine, error}]}``."""
        word1, word2 = _one_word(word1), _one_word(word2)

        def ask(wv: WordVectors) -> dict:
            found = wv.similarity(word1, word2)
            return {"looked_up": list(found.looked_up), "cosine": round(found.cosine, 4)}

        return {"words": [word1, word2], "sets": [self._ask(n, ask) for n in sets or self.names]}

    def analogy(
        self, a: str, b: str, c: str, topn: int = 5, sets: Sequence[str] | None = None
    ) -> dict:
        """``a - b + c`` in each set (king - man + woman): ``{"words", "sets": [{vectors,
        looked_up, answer, 3CosAdd, 3CosMul, error}]}``."""
        words = [_one_word(w) for w in (a, b, c)]

        def ask(wv: WordVectors) -> dict:
            result = wv.analogy(*words, topn=topn).to_dict()
            return {k: v for k, v in result.items() if k not in ("vectors", "words")}

        return {"words": words, "sets": [self._ask(n, ask) for n in sets or self.names]}

    def map_figure(self, name: str, top: int = 300, find: str | None = None) -> Any:
        """The PCA map of ``name``'s ``top`` most frequent words as a plotly ``Figure``, coloured
        by the classifier's lean, seed groups marked, and ``find`` (if given) starred.

        Raises:
            NlpError: ``find`` is not in the set (with suggestions), or ``top`` is too large.
        """
        from inksight.nlp.plots import (
            NEGATIVE,
            POSITIVE,
            cluster_measure,
            map_figure,
            map_words,
            project_pca,
        )
        from inksight.pipelines.embeddings.measures import leans_for

        if not 10 <= int(top) <= 5000:
            raise PipelineError(f"the map shows 10 to 5000 words, not {top}.")
        wv = self.vectors(name)
        found = wv.lookup(_one_word(find)) if find and find.strip() else None
        seeds_pos, seeds_neg = wv.known_forms(POSITIVE), wv.known_forms(NEGATIVE)
        words = map_words(wv, int(top), [*seeds_pos, *seeds_neg, found])
        projection = project_pca(wv, words)
        try:
            leans = leans_for(wv, words, self.model_dir)
        except (PipelineError, NlpError, OSError):
            leans = {}  # no classifier: the map stays grey rather than failing
        title = f"{wv.name}: PCA of the {top} most frequent words"
        caption = cluster_measure(wv).caption()
        return map_figure(projection, leans, seeds_pos, seeds_neg, title, caption, found=found)

    def _ask(self, name: str, question: Callable[[WordVectors], dict]) -> dict:
        head = {"set": name, "vectors": SET_TITLES.get(name, name)}
        try:
            return {**head, **question(self.vectors(name)), "error": None}
        except (PipelineError, NlpError) as error:
            return {**head, "error": str(error)}


def _one_word(word: str | None) -> str:
    text = (word or "").strip()
    if not text:
        raise PipelineError("type a word first.")
    if len(text) > 60:
        raise PipelineError("that is too long to be a word (60 characters at most).")
    return text


def _neighbours_dict(found) -> dict:
    return {
        "looked_up": found.looked_up,
        "neighbours": [{"word": n.word, "score": round(n.score, 4)} for n in found.neighbours],
    }
