"""The web app's handlers: small functions from what a user gave to what the page shows.

They call ``pipelines/`` only and never raise for a user's mistake: a problem becomes the record's
``error`` or a message string, so the page shows one sentence and the app keeps serving. Gradio is
not imported here; the tab builders (``ui/web/tab_*.py``) wire these to components. Uploads arrive
as gradio file payloads (``{"path": ..., "orig_name": ...}``) because the app reads files itself
instead of letting the image component decode them: a PDF, a text file named ``.jpg`` or an empty
file then get Inksight's own message instead of a decoding failure.

Every request is bounded (``ui/web/limits.py``): pages and pixels read, characters read and shown,
files and bytes unpacked; a batch's unpacked files are deleted when it ends, however it ends.
Whatever a visitor typed or named is escaped before it is placed in Markdown or a toast.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inksight.pipelines.errors import USER_ERRORS
from inksight.pipelines.record import ReviewResult
from inksight.ui.web.limits import (
    MAX_READ_SECONDS,
    MAX_TEXT_CHARS,
    MAX_UNPACKED_BYTES,
    MAX_UNPACKED_FILES,
    MAX_UPLOAD_MB,
    text_cut_warning,
)

__all__ = [
    "MAX_UPLOAD_MB",
    "NO_IMAGE",
    "upload_path",
    "analyze_upload",
    "analyze_typed",
    "ReviewView",
    "review_view",
    "status_markdown",
    "clicked_word",
    "click_neighbours",
    "neighbours",
    "neighbour_tables",
    "similarity",
    "similarity_markdown",
    "analogy",
    "analogy_markdown",
    "embedding_map",
    "BATCH_COLUMNS",
    "BatchOutcome",
    "run_batch",
    "lab_view",
    "markdown_text",
    "toast_text",
]

MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
SHOWN_SIDE = 1000  # pixels: a page is shown at 1000 to 2000 on its longest side, not at 120 MP
NO_IMAGE = "Choose a photo, scan or PDF of a handwritten review (or click an example)."
BATCH_COLUMNS = ["file", "text", "label", "probability", "error"]


def _sentence(error: BaseException) -> str:
    from inksight.pipelines.errors import error_sentence

    return error_sentence(error)


# Inline Markdown (and the $ of gradio's LaTeX) that a visitor's text could use to style the page.
_MARKDOWN = re.compile(r"([\\`*_\[\]~|$])")


def markdown_text(text: Any) -> str:
    """``text`` as literal text inside Markdown: HTML and inline markup are escaped."""
    return _MARKDOWN.sub(r"\\\1", html.escape(str(text), quote=False))


def toast_text(text: Any) -> str:
    """``text`` for a gradio toast, which renders HTML."""
    return html.escape(str(text), quote=False)


# --------------------------------------------------------------------------------------------
# Reading a review
# --------------------------------------------------------------------------------------------


def upload_path(payload: Any) -> tuple[str | None, str | None]:
    """The file on disk and the name the user knows it by, from a gradio payload or a path."""
    if not payload:
        return None, None
    if isinstance(payload, str | Path):
        return str(payload), Path(payload).name
    if isinstance(payload, dict) and payload.get("path"):
        path = str(payload["path"])
        return path, payload.get("orig_name") or Path(path).name
    return None, None


def outside(path: str | Path, uploads: str | Path | None) -> bool:
    """True when ``path`` is not inside the ``uploads`` folder (None: every path is allowed).

    An API client can put any path in a file payload; only files the app itself received may
    be read, or the app would OCR files of the server for anyone who asks.
    """
    if uploads is None:
        return False
    return not Path(path).resolve().is_relative_to(Path(uploads).resolve())


NOT_UPLOADED = (
    "{name} was not uploaded to this app; send the file itself (gradio_client: handle_file)."
)


def _too_big(path: str, name: str) -> str | None:
    size = os.path.getsize(path)
    if size > MAX_UPLOAD_BYTES:
        return (
            f"{name} is {size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_MB} MB, so send a "
            "smaller photo or scan (a phone photo at normal quality is 2 to 6 MB)."
        )
    return None


def analyze_upload(pipeline, payload: Any, *, uploads: str | Path | None = None) -> dict:
    """Read an uploaded photo, scan or PDF: the review record (``error`` set when it failed).

    Args:
        pipeline: the loaded ``Pipeline``.
        payload: the gradio file payload (or a path).
        uploads: the folder uploads must be in (the app passes gradio's upload folder).
    """
    path, name = upload_path(payload)
    if path is None:
        return _error_record(None, NO_IMAGE)
    if outside(path, uploads):
        return _error_record(name, NOT_UPLOADED.format(name=name))
    try:
        problem = _too_big(path, name)
    except OSError as error:
        return _error_record(name, _sentence(error))
    if problem:
        return _error_record(name, problem)
    from inksight.pipelines.uploads import read_limits

    try:
        with read_limits(max_seconds=MAX_READ_SECONDS):
            return pipeline.analyze(path, path=name).to_dict()
    except USER_ERRORS as error:
        return _error_record(name, _sentence(error))
    finally:
        release_memory()  # a long PDF's pages are freed now: give them back to the system


def release_memory() -> None:
    """Give what a big read freed back to the system, so the server shrinks after it."""
    from inksight.pipelines.uploads import release_memory as release

    release()


def analyze_typed(pipeline, text: Any) -> dict:
    """Classify typed or corrected text: the same record, without lines.

    Only the first ``MAX_TEXT_CHARS`` characters are read (the model reads no more) and they are
    all the record keeps, so a huge paste costs neither time nor a huge answer; a warning says so.
    """
    if text is not None and not isinstance(text, str):
        return _error_record(
            None, f"the review must be text (a string), not {type(text).__name__}; send it as text."
        )
    if not text or not text.strip():
        return _error_record(None, "The text box is empty: type or paste a review first.")
    try:
        record = pipeline.analyze_text(text[:MAX_TEXT_CHARS]).to_dict()
    except USER_ERRORS as error:
        return _error_record(None, _sentence(error))
    if len(text) > MAX_TEXT_CHARS:
        record["warnings"].insert(0, text_cut_warning(len(text)))
    return record


def _error_record(path: str | None, message: str) -> dict:
    return ReviewResult.failed(path, message).to_dict()


@dataclass
class ReviewView:
    """Everything the page shows for one record."""

    boxes: tuple[Any, list] | None  # (page image, [((x0, y0, x1, y1), label)]) for AnnotatedImage
    colours: dict[str, str]  # box label -> colour
    text: str
    label: dict[str, float] | None  # for gr.Label: {"positive": p, "negative": 1 - p}
    highlights: list[tuple[str, float | None]]
    details: str
    status: str
    messages: list[str] = field(default_factory=list)  # one toast each


def review_view(
    pipeline, record: dict, source: Any = None, *, uploads: str | Path | None = None
) -> ReviewView:
    """Turn a record into the page's pieces; ``source`` is the upload, to draw the boxes on."""
    from inksight.pipelines.uploads import first_page

    record = record or _error_record(None, NO_IMAGE)
    text = record.get("text") or ""
    boxes, colours, pages = None, {}, 1
    path, _ = upload_path(source)
    if path and outside(path, uploads):
        path = None
    if path and record.get("lines") is not None and not record.get("error"):
        try:
            # Only page 1 is rendered, however long the PDF, and at about the size shown.
            page, pages = first_page(path, SHOWN_SIDE)
            boxes, colours = _line_boxes(page, record["lines"], page.info.get("scale", 1.0))
        except USER_ERRORS:
            boxes = None  # the record already says what went wrong
        finally:
            release_memory()
    sentiment = record.get("sentiment")
    label = None
    if sentiment:
        p = float(sentiment["probability"])
        other = "negative" if sentiment["label"] == "positive" else "positive"
        label = {sentiment["label"]: p, other: round(1 - p, 4)}
    text = text[:MAX_TEXT_CHARS]  # what the model read; a record from an API caller may be longer
    highlights = pipeline.word_contributions(text) if sentiment else []
    messages = [record["error"]] if record.get("error") else list(record.get("warnings") or [])
    messages = [toast_text(message) for message in messages]
    if record.get("error") == NO_IMAGE:
        messages = []  # a cleared image is not a mistake worth a toast
    return ReviewView(
        boxes=boxes,
        colours=colours,
        text=text,
        label=label,
        highlights=highlights,
        details=_details(record, pages),
        status=status_markdown(record),
        messages=messages,
    )


def _line_boxes(
    page: Any, lines: list[dict], scale: float = 1.0
) -> tuple[tuple[Any, list], dict[str, str]]:
    """Each line on the first page as an upright box, labelled and coloured by confidence
    (``scale``: the shown page's size over the page the OCR read)."""
    boxes, colours = [], {}
    for number, line in enumerate((ln for ln in lines if ln.get("page", 0) == 0), start=1):
        xs = [point[0] * scale for point in line["box"]]
        ys = [point[1] * scale for point in line["box"]]
        confidence = float(line["confidence"])
        name = f"line {number}: {confidence:.0%}"
        box = (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)
        boxes.append((box, name))
        colours[name] = _confidence_colour(confidence)
    return (page, boxes), colours


def _confidence_colour(confidence: float) -> str:
    if confidence >= 0.9:
        return "#2e7d32"  # green: sure
    if confidence >= 0.8:
        return "#f9a825"  # amber: worth a look
    return "#c62828"  # red: probably misread


def _details(record: dict, pages: int) -> str:
    seconds = record.get("seconds") or {}
    if not seconds or record.get("error"):
        return ""
    parts = [
        f"{stage} {seconds[stage]:.2f} s" for stage in ("ocr", "nlp", "total") if stage in seconds
    ]
    engine = record.get("engine")
    lines = record.get("lines") or []
    where = f"; page 1 of {pages} shown" if pages > 1 else ""
    head = f"**Engine:** {engine} · {len(lines)} line(s){where} · " if engine else ""
    return f"{head}**Time:** {', '.join(parts)}"


def status_markdown(record: dict) -> str:
    """The verdict or the problem, in words."""
    if record.get("error"):
        return f"⚠️ {markdown_text(record['error'])}"
    sentiment = record.get("sentiment")
    lines = [] if not sentiment else [
        f"### {sentiment['label'].capitalize()} ({sentiment['probability']:.0%} sure)"
    ]  # fmt: skip
    lines += [f"- ⚠️ {markdown_text(warning)}" for warning in record.get("warnings") or []]
    return "\n".join(lines) or "No text was found, so there is no sentiment to show."


def clicked_word(value: Any) -> str | None:
    """The word a user clicked in the highlighted review (gradio gives ``[text, score]``)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    text = str(value or "").strip(" \t\n.,;:!?\"'()")
    return text if text and any(ch.isalpha() for ch in text) else None


def click_neighbours(lab, value: Any, sets: Sequence[str] = ("model", "glove")) -> tuple:
    """The clicked word's neighbours in the classifier's embeddings and GloVe, side by side:
    (rows of [rank, classifier word, cosine, GloVe word, cosine], message)."""
    word = clicked_word(value)
    if word is None:
        return [], "Click a word of the review to see its nearest neighbours."
    found = neighbours(lab, word, topn=8, sets=[s for s in sets if s in lab.names])
    if "error" in found and "sets" not in found:
        return [], f"⚠️ {markdown_text(found['error'])}"
    columns = [answer.get("neighbours") or [] for answer in found["sets"]]
    rows = []
    for rank in range(max((len(c) for c in columns), default=0)):
        row: list[Any] = [rank + 1]
        for column in columns:
            pair = column[rank] if rank < len(column) else {"word": "", "score": None}
            row += [pair["word"], pair["score"]]
        rows.append(row)
    notes = [
        f"{a['vectors']}: {markdown_text(a['error'])}" for a in found["sets"] if a.get("error")
    ]
    head = f"Nearest neighbours of **{markdown_text(word)}**"
    return rows, head + ("\n\n" + "\n".join(f"- ⚠️ {n}" for n in notes) if notes else "")


# --------------------------------------------------------------------------------------------
# Word neighbours, similarity, analogies, the map
# --------------------------------------------------------------------------------------------


def _lab_call(call: Callable[[], dict]) -> dict:
    try:
        return call()
    except USER_ERRORS as error:
        return {"error": _sentence(error)}


def neighbours(lab, word: str, topn: int = 10, sets: Sequence[str] | None = None) -> dict:
    """``{"word", "sets": [{vectors, looked_up, neighbours, error}]}`` or ``{"error"}``."""
    return _lab_call(lambda: lab.neighbours(word, int(topn), sets))


def neighbour_tables(found: dict, order: Sequence[str]) -> tuple[list[list[list]], str]:
    """One table (rows of [word, cosine]) per set in ``order`` (empty for a set the answer
    lacks), and a message for unknown words and sets that could not answer."""
    if found.get("error") and "sets" not in found:
        return [[] for _ in order], f"⚠️ {markdown_text(found['error'])}"
    by_set = {answer.get("set"): answer for answer in found.get("sets", [])}
    tables, notes = [], []
    for name in order:
        answer = by_set.get(name, {})
        tables.append([[n["word"], n["score"]] for n in answer.get("neighbours") or []])
        if answer.get("error"):
            notes.append(f"**{answer['vectors']}**: {markdown_text(answer['error'])}")
        elif answer.get("looked_up") and answer["looked_up"] != found.get("word"):
            notes.append(
                f"**{answer['vectors']}** looked up *{markdown_text(answer['looked_up'])}*."
            )
    return tables, "\n\n".join(notes)


def similarity(lab, word1: str, word2: str) -> dict:
    return _lab_call(lambda: lab.similarity(word1, word2))


def similarity_markdown(found: dict) -> str:
    if found.get("error") and "sets" not in found:
        return f"⚠️ {markdown_text(found['error'])}"
    first, second = (markdown_text(word) for word in found["words"])
    rows = ["| set | cosine similarity |", "|---|---|"]
    for answer in found["sets"]:
        value = (
            f"{answer['cosine']:.3f}"
            if answer.get("error") is None
            else f"⚠️ {markdown_text(answer['error'])}"
        )
        rows.append(f"| {answer['vectors']} | {value} |")
    return f"**{first}** vs **{second}**\n\n" + "\n".join(rows)


def analogy(lab, a: str, b: str, c: str) -> dict:
    return _lab_call(lambda: lab.analogy(a, b, c))


def analogy_markdown(found: dict) -> str:
    if found.get("error") and "sets" not in found:
        return f"⚠️ {markdown_text(found['error'])}"
    a, b, c = (markdown_text(word) for word in found["words"])
    rows = ["| set | answer | 3CosAdd (cosine) | 3CosMul |", "|---|---|---|---|"]
    for answer in found["sets"]:
        if answer.get("error"):
            rows.append(f"| {answer['vectors']} | ⚠️ {markdown_text(answer['error'])} | | |")
            continue
        add = ", ".join(f"{markdown_text(n['word'])} {n['score']:.2f}" for n in answer["3CosAdd"])
        mul = ", ".join(f"{markdown_text(n['word'])} {n['score']:.2f}" for n in answer["3CosMul"])
        rows.append(
            f"| {answer['vectors']} | **{markdown_text(answer['answer'])}** | {add} | {mul} |"
        )
    return f"**{a}** − **{b}** + **{c}** = ?\n\n" + "\n".join(rows)


def embedding_map(lab, name: str, top: int = 300, find: str | None = None) -> tuple[Any, str]:
    """(plotly figure or None, message)."""
    try:
        figure = lab.map_figure(name, int(top), find)
    except USER_ERRORS as error:
        return None, f"⚠️ {markdown_text(_sentence(error))}"
    found = f" The star marks **{markdown_text(find.strip())}**." if find and find.strip() else ""
    return figure, f"Hover a point to see its word and lean.{found}"


# --------------------------------------------------------------------------------------------
# Batch
# --------------------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """A web batch: the records (as ``inksight batch`` writes them), the table, the downloads."""

    records: list[dict]
    rows: list[list]
    downloads: list[str]
    message: str


def run_batch(
    pipeline,
    files: Sequence[Any] | None,
    *,
    work_dir: str | Path | None = None,
    downloads_dir: str | Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    uploads: str | Path | None = None,
    max_files: int | None = None,
    max_bytes: int | None = None,
) -> BatchOutcome:
    """Analyse uploaded files and zips; every file (analysed or skipped) gets one record.

    Args:
        pipeline: the loaded ``Pipeline``.
        files: uploads (gradio payloads or paths); zips are unpacked safely.
        work_dir: where the request's scratch folder (``inksight-batch-*``, the unpacked zips) is
            made (default: the temp folder); it is deleted when the batch ends, however it ends.
        downloads_dir: where results.csv and results.jsonl go (default: a new temp folder; the
            app passes a folder in gradio's cache, which serves them from there).
        progress: called with (done, total, file name) before each file.
        uploads: the folder uploads must be in (the app passes gradio's upload folder).
        max_files, max_bytes: the most one request unpacks (default: ``ui/web/limits.py``).
    """
    given = [upload_path(f) for f in files or []]
    refused = [
        ReviewResult.failed(n, NOT_UPLOADED.format(name=n))
        for p, n in given
        if p and outside(p, uploads)
    ]
    paths = [p for p, _ in given if p and not outside(p, uploads)]
    if refused and not paths:
        records, rows = [r.to_dict() for r in refused], [_batch_row(r) for r in refused]
        return BatchOutcome(records, rows, [], f"⚠️ {markdown_text(refused[0].error)}")
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="inksight-batch-", dir=work_dir))
    try:
        results, seconds = _analyse_batch(pipeline, paths, scratch, progress, max_files, max_bytes)
    except USER_ERRORS as error:
        return BatchOutcome([], [], [], f"⚠️ {markdown_text(_sentence(error))}")
    finally:  # the unpacked copies are never needed again, whatever happened
        shutil.rmtree(scratch, ignore_errors=True)
        release_memory()
    results = refused + results
    folder = Path(downloads_dir or tempfile.mkdtemp(prefix="inksight-results-"))
    downloads = _write_downloads(results, folder)
    failed = sum(not r.ok for r in results)
    message = (
        f"{len(results)} file(s): {len(results) - failed} read, {failed} failed or skipped, "
        f"in {seconds:.1f} s."
    )
    records = [r.to_dict() for r in results]
    return BatchOutcome(records, [_batch_row(r) for r in results], downloads, message)


def _analyse_batch(
    pipeline,
    paths: list[str],
    scratch: Path,
    progress: Callable[[int, int, str], None] | None,
    max_files: int | None,
    max_bytes: int | None,
) -> tuple[list[ReviewResult], float]:
    """Unpack into ``scratch`` and analyse each file: (records, seconds)."""
    from dataclasses import replace

    from inksight.pipelines.batch.local import analyze_file
    from inksight.pipelines.uploads import expand_uploads, read_limits

    limits = {
        "max_files": max_files or MAX_UNPACKED_FILES,
        "max_bytes": max_bytes or MAX_UNPACKED_BYTES,
    }
    upload = expand_uploads(paths, scratch, **limits)
    started = time.perf_counter()
    results = []
    for done, (path, name) in enumerate(upload.files):
        if progress:
            progress(done, len(upload.files), name)
        problem = _too_big(str(path), name)
        if problem:
            results.append(ReviewResult.failed(name, problem))
        else:  # the record names the file as the user knows it, not the unpacked copy
            with read_limits(max_seconds=MAX_READ_SECONDS):
                result = analyze_file(pipeline, path.parent, path.name)
            results.append(replace(result, path=name))
    results += [ReviewResult.failed(s["path"], s["error"]) for s in upload.skipped]
    if progress:
        progress(len(upload.files), len(upload.files), "")
    return results, time.perf_counter() - started


def _batch_row(result: ReviewResult) -> list:
    return [
        result.path or "",
        result.text,
        result.label or "",
        result.probability,
        result.error or "",
    ]


def _write_downloads(results: list[ReviewResult], folder: Path) -> list[str]:
    """results.csv and results.jsonl, written by ``inksight batch``'s own writer."""
    from inksight.pipelines.batch.outputs import write_records

    folder.mkdir(parents=True, exist_ok=True)
    jsonl, table = folder / "results.jsonl", folder / "results.csv"
    write_records(results, jsonl)
    write_records(results, table)
    return [str(table), str(jsonl)]


# --------------------------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------------------------


def lab_view(folder: str | Path | None = None) -> tuple[str, list, bool]:
    """(Markdown, gallery pictures, whether a report exists) of the lab report, or how to make it.

    Without ``folder``: the whole lab's report (``inksight lab run``), else the quick lab's (the
    page's button, ``inksight lab run --quick``)."""
    from inksight.pipelines.assets import cache_dir
    from inksight.pipelines.lab.report import lab_report_view

    folders = [Path(folder)] if folder else [cache_dir() / "lab", cache_dir() / "lab-quick"]
    try:
        for place in folders:  # the first report found; otherwise the first folder's view
            view = lab_report_view(place)
            if view.exists:
                break
        else:
            view = lab_report_view(folders[0])
    except (*USER_ERRORS, OSError) as error:
        return f"⚠️ The lab report could not be read: {_sentence(error)}", [], False
    if not view.exists:
        return (
            "The lab report has not been made yet. Press *Run the quick lab here* (one seed, two "
            "training-set sizes: a few minutes, and the other tabs keep working), or run the "
            "whole lab in a terminal (the learning curve takes a while), then press *Refresh*:"
            f"\n\n```\n{view.command}\n```\n\nor only its embedding part (PCA pictures, "
            "neighbours, benchmark, a few minutes): `inksight lab report`.",
            [],
            False,
        )
    quick = view.folder.name == "lab-quick" and not folder
    made = "the quick lab; the whole lab: " if quick else "remake it with "
    note = f"From `{view.folder}` ({made}`{view.command}`).\n\n"
    return note + (view.markdown or ""), view.pictures, True
