"""What several tabs of the web app share: the guard that keeps the app serving, the review's
highlighted words with their clicked-word table, and the wiring from a text box to its sentiment.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import gradio as gr

from inksight.ui.web import handlers
from inksight.ui.web.limits import CONCURRENCY

if TYPE_CHECKING:
    from inksight.pipelines.analyze import Pipeline
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = [
    "SET_CHOICES",
    "UPLOADS",
    "guard",
    "error_record",
    "word_highlights",
    "click_table",
    "show_text",
    "wire_text",
    "wire_word_click",
]

SET_CHOICES = [("classifier", "model"), ("word2vec", "word2vec"), ("GloVe", "glove")]
log = logging.getLogger("inksight.app")
# Where gradio keeps what it received (uploads, example copies); the handlers read nothing else.
UPLOADS = gr.utils.get_upload_folder()


def guard(fallback: Callable[[str], Any]) -> Callable[[Callable], Callable]:
    """Never let an unexpected exception reach the page as a stack trace: log it, answer a
    sentence, keep serving. (User mistakes never get here; handlers turn them into messages.)"""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the app must keep serving
                log.exception("unexpected error in %s", fn.__name__)
                return fallback(
                    "Something went wrong inside Inksight (the details are in the server log); "
                    "try again or try another file."
                )

        return guarded

    return wrap


def error_record(message: str) -> dict:
    """The answer of a named endpoint that failed unexpectedly."""
    return {"error": message}


def word_highlights(elem_id: str) -> gr.HighlightedText:
    """The review's words coloured by their push on the label; a click asks for neighbours."""
    return gr.HighlightedText(
        label="Words by their push on the label (+1 towards positive, −1 towards negative); "
        "click a word for its neighbours",
        show_legend=True,
        combine_adjacent=False,
        elem_id=elem_id,
    )


def click_table() -> gr.Dataframe:
    """The clicked word's neighbours: the classifier's set and GloVe side by side."""
    return gr.Dataframe(
        headers=["#", "classifier", "cosine", "GloVe", "cosine"],
        interactive=False,
        label="Nearest neighbours",
        elem_id="click-neighbours",
    )


def show_text(record: dict, pipeline: Pipeline) -> tuple:
    """A text record as the page shows it: (label, words, status, details); problems toast."""
    view = handlers.review_view(pipeline, record)
    for message in view.messages:
        gr.Warning(message)
    return view.label, view.highlights, view.status, view.details


def wire_text(
    triggers: Sequence[Any],
    text: gr.Textbox,
    record: gr.JSON,
    shown: Sequence[Any],
    pipeline: Pipeline,
    *,
    api_name: str,
    private: bool = False,
    concurrency_limit: int = CONCURRENCY["text"],
) -> None:
    """Classify ``text`` when a trigger fires: a step that answers the record (endpoint
    ``api_name``), then a private one that shows it in ``shown`` (label, words, status, details)."""

    @guard(error_record)
    def analyze_text(text):
        return handlers.analyze_typed(pipeline, text)

    @guard(lambda message: show_text({"error": message}, pipeline))
    def show_text_review(record):
        return show_text(record, pipeline)

    gr.on(
        triggers,
        analyze_text,
        inputs=text,
        outputs=record,
        api_name=api_name,
        concurrency_id="text",
        concurrency_limit=concurrency_limit,
        api_visibility="private" if private else "public",
    ).then(show_text_review, inputs=record, outputs=list(shown), api_visibility="private")


def wire_word_click(
    words: gr.HighlightedText, table: gr.Dataframe, note: gr.Markdown, lab: EmbeddingLab
) -> None:
    """Clicking a highlighted word shows its neighbours in the classifier's set and GloVe."""

    @guard(lambda message: ([], f"⚠️ {message}"))
    def click_word(evt: gr.SelectData):
        return handlers.click_neighbours(lab, evt.value)

    words.select(click_word, None, [table, note], api_visibility="private")
