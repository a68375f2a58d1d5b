"""The "Read a handwritten review" tab: a photo, scan or PDF in; the lines found, the transcription
(editable, re-scored on demand), the sentiment and the words that drove it out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from inksight.pipelines.uploads import IMAGE_SUFFIXES
from inksight.ui.web import handlers
from inksight.ui.web.limits import CONCURRENCY
from inksight.ui.web.parts import (
    UPLOADS,
    click_table,
    error_record,
    guard,
    wire_text,
    wire_word_click,
    word_highlights,
)

if TYPE_CHECKING:
    from inksight.pipelines.analyze import Pipeline
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = ["build_read_tab"]

log = logging.getLogger("inksight.app")


class _ReviewColumn:
    """The right-hand column, laid out top to bottom when made: everything shown for one image."""

    def __init__(self) -> None:
        self.status = gr.Markdown(handlers.NO_IMAGE, elem_id="image-status")
        gr.Markdown(
            "Lines found, coloured by OCR confidence (green ≥ 90%, amber ≥ 80%, red below):"
        )
        self.boxes = gr.AnnotatedImage(show_label=False, elem_id="boxes")
        self.label = gr.Label(label="Sentiment", elem_id="image-label")
        self.transcription = gr.Textbox(
            label="Transcription (edit it and press Re-score)",
            lines=4,
            interactive=True,
            elem_id="transcription",
        )
        self.rescore = gr.Button("Re-score the edited text")
        self.words = word_highlights("image-words")
        self.details = gr.Markdown()
        with gr.Accordion("Neighbours of the clicked word", open=True):
            self.click_note = gr.Markdown("Click a word of the review above.")
            self.click_table = click_table()
        with gr.Accordion("Record (JSON)", open=False):
            self.record = gr.JSON(label="record")

    @property
    def image_outputs(self) -> list:
        """What a read image updates, in ``_show_review``'s order."""
        return [self.boxes, self.transcription, self.label, self.words, self.details, self.status]


def build_read_tab(
    pipeline: Pipeline,
    lab: EmbeddingLab,
    examples_dir: str | Path | None = None,
    limits: dict[str, int] = CONCURRENCY,
) -> None:
    """Lay out the tab and wire it: photo or document in, the review out, words clickable.
    ``limits``: requests run at once per queue ("image", "text"; ``limits.concurrency_limits``)."""
    with gr.Tab("Read a handwritten review"), gr.Row():
        with gr.Column(scale=1):
            photo, document, read_button = _inputs(examples_dir)
        with gr.Column(scale=2):
            review = _ReviewColumn()
    reads = [read_button.click, photo.change]
    _wire_image_read(reads, photo, review, pipeline, limits["image"], "analyze_image")
    _wire_image_read([document.upload], document, review, pipeline, limits["image"])
    wire_text(
        [review.rescore.click, review.transcription.submit],
        review.transcription,
        review.record,
        [review.label, review.words, review.status, review.details],
        pipeline,
        api_name="rescore_text",
        private=True,
        concurrency_limit=limits["text"],
    )
    wire_word_click(review.words, review.click_table, review.click_note, lab)


def _inputs(examples_dir: str | Path | None) -> tuple[gr.Image, gr.File, gr.Button]:
    """The photo (upload, webcam, clipboard), a document file, the button and the examples."""
    photo = gr.Image(
        label="Photo or scan of a handwritten review",
        sources=["upload", "webcam", "clipboard"],
        type="filepath",
        image_mode=None,
        height=300,
        elem_id="photo",
    )
    document = gr.File(
        label=f"…or a PDF or image file (up to {handlers.MAX_UPLOAD_MB} MB)",
        file_types=list(IMAGE_SUFFIXES),  # by name: a browser may not know .heic as an image
        elem_id="document",
    )
    read_button = gr.Button("Read the review", variant="primary")
    examples, note = _examples(examples_dir)
    if examples:
        gr.Examples(
            examples=[[str(e.path)] for e in examples],
            inputs=[photo],
            label="Examples: handwritten reviews rendered by Inksight",
            example_labels=[f"{e.label}, {e.kind} ({e.style})" for e in examples],
        )
    else:
        gr.Markdown(note)
    return photo, document, read_button


def _wire_image_read(
    triggers: Sequence[Any],
    source: Any,
    review: _ReviewColumn,
    pipeline: Pipeline,
    concurrency_limit: int,
    api_name: str | None = None,
) -> None:
    """Read the image in ``source`` when a trigger fires: one step that answers the record (the
    endpoint ``api_name``; private without one), one that shows it."""

    @guard(error_record)
    def analyze_image(image):
        # gradio_client 2.x downloads any answer dict with a string "path" as a file; the
        # caller knows which file it sent, so the web record leaves the name out.
        return {**handlers.analyze_upload(pipeline, image, uploads=UPLOADS), "path": None}

    @guard(lambda message: _show_review(None, {"error": message}, pipeline))
    def show_image_review(image, record):
        return _show_review(image, record, pipeline)

    gr.on(
        triggers,
        analyze_image,
        inputs=source,
        outputs=review.record,
        api_name=api_name,
        api_visibility="public" if api_name else "private",
        preprocess=False,  # the app's own reader decodes files: our messages, PDFs accepted
        concurrency_id="image",
        concurrency_limit=concurrency_limit,
    ).then(
        show_image_review,
        inputs=[source, review.record],
        outputs=review.image_outputs,
        preprocess=False,
        api_visibility="private",
    )


def _show_review(source: Any, record: dict, pipeline: Pipeline) -> tuple:
    view = handlers.review_view(pipeline, record, source, uploads=UPLOADS)
    for message in view.messages:
        gr.Warning(message)
    boxes = gr.AnnotatedImage(value=view.boxes, color_map=view.colours or None)
    return boxes, view.text, view.label, view.highlights, view.details, view.status


def _examples(folder: str | Path | None) -> tuple[list, str]:
    """The built-in examples (rendered when missing), or a note saying why there are none."""
    from inksight.pipelines.errors import USER_ERRORS
    from inksight.pipelines.examples import render_examples

    try:
        return render_examples(folder), ""
    except (*USER_ERRORS, OSError) as error:
        log.warning("no built-in examples: %s", error)
        return [], f"No built-in examples: {error}"
