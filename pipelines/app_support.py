"""What the web app needs from the pipelines beyond ``analyze`` and ``batch``.

The app in ``ui/`` does no OCR or NLP itself; it calls these:

* ``EmbeddingLab``: the three embedding sets opened once and queried side by side (neighbours,
  similarity, analogies, the PCA map); an unknown word becomes a message with close suggestions.
* ``word_contributions``: every word of a review with its signed push towards the label, for
  highlighting.
* ``first_page``: the page an analysis read, to draw its line boxes on.
* ``expand_uploads``: batch uploads (files and zips) to a list of files, refusing unsafe zip members.
* ``lab_report_view``: the lab report's tables and pictures, when the report exists.
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from nlp.errors import NlpError
from nlp.vectors import WordVectors
from pipelines.embeddings import SET_NAMES, Word2VecConfig, open_vectors
from pipelines.errors import PipelineError

__all__ = [
    "SET_TITLES",
    "EmbeddingLab",
    "word_contributions",
    "first_page",
    "IMAGE_SUFFIXES",
    "Upload",
    "expand_uploads",
    "LabReportView",
    "lab_report_view",
]

SET_TITLES = {"model": "classifier", "word2vec": "word2vec", "glove": "GloVe"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".pdf")
MAX_ZIP_FILES = 1000  # a batch from the web page; bigger jobs belong to `inksight batch`
MAX_ZIP_BYTES = 500 * 1024 * 1024  # uncompressed, so a zip bomb stops before it fills the disk


# --------------------------------------------------------------------------------------------
# Embedding sets
# --------------------------------------------------------------------------------------------


class EmbeddingLab:
    """The embedding sets the app queries, each opened on first use and then kept.

    Args:
        sources: set name -> what ``pipelines.embeddings.open_vectors`` opens ("model",
            "word2vec", "glove" or a vectors file); default the three standard sets.
        model_dir: the classifier folder behind "model" and the map's colours (None: default model).
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
                if str(source) == "word2vec" and not _word2vec_ready():
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
        from nlp.plots import NEGATIVE, POSITIVE, cluster_measure, project_pca
        from pipelines.embeddings import leans_for

        if not 10 <= int(top) <= 5000:
            raise PipelineError(f"the map shows 10 to 5000 words, not {top}.")
        wv = self.vectors(name)
        found = wv.lookup(_one_word(find)) if find and find.strip() else None
        words = wv.top_words(int(top))
        seeds_pos, seeds_neg = wv.known_forms(POSITIVE), wv.known_forms(NEGATIVE)
        extra = [w for w in [*seeds_pos, *seeds_neg, found] if w and w not in set(words)]
        words = words + list(dict.fromkeys(extra))
        projection = project_pca(wv, words)
        try:
            leans = leans_for(wv, words, self.model_dir)
        except (PipelineError, NlpError, OSError):
            leans = {}  # no classifier: the map stays grey rather than failing
        caption = cluster_measure(wv).caption()
        return _map_figure(projection, leans, seeds_pos, seeds_neg, found, wv.name, top, caption)

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


def _word2vec_ready() -> bool:
    # TODO(embeddings): ask pipelines.embeddings once it can tell without training.
    from pipelines.assets import cache_dir

    return (cache_dir() / "vectors" / f"word2vec-imdb-{Word2VecConfig().cache_key()}.kv").is_file()


def _map_figure(projection, leans, seeds_pos, seeds_neg, found, name, top, caption):
    """The interactive map: words coloured by lean, the seed groups and the searched word marked."""
    import numpy as np
    import plotly.graph_objects as go

    values = np.asarray([leans.get(w, np.nan) for w in projection.words], dtype=np.float64)
    has_lean = np.isfinite(values)
    limit = float(np.nanmax(np.abs(values))) if has_lean.any() else 1.0
    hover = [
        f"{w}<br>lean {v:+.3f}" if np.isfinite(v) else f"{w}<br>no lean"
        for w, v in zip(projection.words, values, strict=True)
    ]
    xy = projection.xy
    index = {w: i for i, w in enumerate(projection.words)}
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="markers", name="words", text=hover, hoverinfo="text",
            marker={"size": 7, "color": np.where(has_lean, values, 0.0), "colorscale": "RdBu",
                    "cmin": -limit, "cmax": limit, "showscale": bool(has_lean.any()),
                    "colorbar": {"title": "lean"}},
        )
    )  # fmt: skip
    marks = [
        (seeds_pos, "triangle-up", "navy", 13, "seed positive"),
        (seeds_neg, "triangle-down", "darkred", 13, "seed negative"),
        ([found] if found else [], "star", "gold", 22, f"found: {found}"),
    ]
    for group, symbol, colour, size, label in marks:
        if not group:
            continue
        rows = [index[w] for w in group]
        figure.add_trace(
            go.Scatter(
                x=xy[rows, 0], y=xy[rows, 1], mode="markers+text", name=label, text=list(group),
                textposition="top center", hoverinfo="text",
                marker={"size": size, "symbol": symbol, "color": colour,
                        "line": {"width": 1, "color": "black"}},
            )
        )  # fmt: skip
    first, second = projection.explained
    figure.update_layout(
        title={"text": f"{name}: PCA of the {top} most frequent words<br><sup>{caption}</sup>"},
        xaxis_title=f"PC1 ({first:.0%} of variance)",
        yaxis_title=f"PC2 ({second:.0%} of variance)",
        template="plotly_white",
        height=650,
    )
    return figure


# --------------------------------------------------------------------------------------------
# A review's words and pages
# --------------------------------------------------------------------------------------------

_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def word_contributions(classifier, text: str) -> list[tuple[str, float | None]]:
    """The whole ``text`` in pieces, each word with its signed contribution (> 0 pushes towards
    positive), scaled to -1..1; spaces, punctuation and words the model ignores get ``None``.

    Args:
        classifier: a ``nlp.classifier.SentimentClassifier``.
        text: the review as shown to the user.
    """
    try:
        sentiment = classifier.classify(text, top_k=100_000)
    except NlpError:
        return [(text, None)] if text else []
    scores = {w["word"]: float(w["score"]) for w in sentiment.top_words if " " not in w["word"]}
    largest = max((abs(s) for s in scores.values()), default=0.0) or 1.0
    spans = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    tokens = classifier.preprocessor.tokenize_many([text[a:b] for a, b in spans])
    pieces: list[tuple[str, float | None]] = []
    position = 0
    for (start, end), forms in zip(spans, tokens, strict=True):
        if start > position:
            pieces.append((text[position:start], None))
        score = next((scores[f] for f in forms if f in scores), None)
        pieces.append((text[start:end], None if score is None else round(score / largest, 3)))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def first_page(source: Any) -> tuple[Any, int]:
    """The first page of an image or PDF as the OCR saw it (EXIF rotation applied), and the
    number of pages."""
    from ocr.reader import read_pages

    pages = read_pages(source)
    return pages[0], len(pages)


# --------------------------------------------------------------------------------------------
# Batch uploads
# --------------------------------------------------------------------------------------------


@dataclass
class Upload:
    """Batch input after unpacking: the files to analyse (path on disk, name shown) and the
    records of what was skipped and why."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def expand_uploads(paths: Sequence[str | Path], work_dir: str | Path) -> Upload:
    """Turn uploaded files and zips into the files to analyse.

    Zip members are extracted into ``work_dir`` one by one after checks: absolute paths, paths
    that climb out with ``..``, links and anything that is not an image or PDF are skipped with
    a record; too many members or too many bytes refuse the whole zip.

    Raises:
        PipelineError: nothing was uploaded.
    """
    if not paths:
        raise PipelineError("no files were given; add images, PDFs or a zip of them.")
    upload = Upload()
    work_dir = Path(work_dir)
    for number, raw in enumerate(paths):
        path = Path(raw)
        name = path.name
        if path.suffix.lower() == ".zip":
            _expand_zip(path, work_dir / f"zip{number}", upload)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            upload.files.append((path, name))
        else:
            upload.skipped.append(_skip(name, "not an image or PDF"))
    return upload


def _expand_zip(path: Path, dest: Path, upload: Upload) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        upload.skipped.append(_skip(path.name, "not a readable zip file"))
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        total = sum(m.file_size for m in members)
        if len(members) > MAX_ZIP_FILES or total > MAX_ZIP_BYTES:
            upload.skipped.append(
                _skip(
                    path.name,
                    f"holds {len(members)} files, {total / 1e6:.0f} MB unpacked; the web page "
                    f"takes at most {MAX_ZIP_FILES} files and {MAX_ZIP_BYTES // 2**20} MB per zip "
                    "(use `inksight batch FOLDER` for more)",
                )
            )
            return
        for member in members:
            shown = f"{path.name}/{member.filename}"
            problem = _unsafe_member(member)
            if problem:
                upload.skipped.append(_skip(shown, problem))
                continue
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue  # hidden and system files, as `inksight batch` skips them
            if PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
                upload.skipped.append(_skip(shown, "not an image or PDF"))
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as out:
                out.write(source.read(MAX_ZIP_BYTES + 1))
            upload.files.append((target, shown))


def _unsafe_member(member: zipfile.ZipInfo) -> str | None:
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "refused: an absolute path inside the zip"
    if ".." in PurePosixPath(name).parts:
        return "refused: a path that climbs out of the zip's folder (../)"
    if (member.external_attr >> 16) & 0o170000 == 0o120000:
        return "refused: a symbolic link inside the zip"
    return None


def _skip(name: str, why: str) -> dict:
    return {"path": name, "error": f"skipped: {why}."}


# --------------------------------------------------------------------------------------------
# The lab report
# --------------------------------------------------------------------------------------------


@dataclass
class LabReportView:
    """The lab report as the app shows it: Markdown without picture links, and the pictures."""

    folder: Path
    markdown: str | None
    pictures: list[tuple[Any, str]]  # (PIL image, caption)
    command: str = "inksight lab run"  # the whole lab; `inksight lab report` is its embedding part

    @property
    def exists(self) -> bool:
        return self.markdown is not None or bool(self.pictures)


def lab_report_view(folder: str | Path | None = None) -> LabReportView:
    """Read the lab report in ``folder`` (default: the lab's output folder in the cache)."""
    from PIL import Image

    from pipelines.assets import cache_dir

    folder = Path(folder) if folder else cache_dir() / "lab"
    report = folder / "report.md"
    markdown = None
    if report.is_file():
        text = report.read_text(encoding="utf-8")
        # Picture links are relative to the report; the pictures are shown in a gallery instead.
        markdown = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
        markdown = re.sub(r"\[[^\]]*\]\([^)]*\.html\)", "", markdown)
    pictures = []
    for path in sorted(folder.rglob("*.png")) if folder.is_dir() else []:
        with Image.open(path) as image:
            pictures.append((image.convert("RGB"), path.stem.replace("_", " ")))
    return LabReportView(folder, markdown, pictures)
