"""The "Type a review" tab: typed or pasted text in; the sentiment and the words that drove it out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from inksight.ui.web.limits import CONCURRENCY
from inksight.ui.web.parts import click_table, wire_text, wire_word_click, word_highlights

if TYPE_CHECKING:
    from inksight.pipelines.analyze import Pipeline
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = ["build_type_tab"]


def build_type_tab(
    pipeline: Pipeline, lab: EmbeddingLab, text_limit: int = CONCURRENCY["text"]
) -> None:
    """Lay out the tab and wire it: the text is classified on the button or on Enter;
    ``text_limit`` typed reviews are classified at once."""
    with gr.Tab("Type a review"), gr.Row():
        with gr.Column(scale=1):
            typed = gr.Textbox(label="Review", lines=6, placeholder="Type or paste a movie review…")
            classify = gr.Button("Classify", variant="primary")
        with gr.Column(scale=1):
            status = gr.Markdown()
            label = gr.Label(label="Sentiment")
            words = word_highlights("typed-words")
            details = gr.Markdown()
            click_note = gr.Markdown("Click a word of the review above.")
            table = click_table()
            with gr.Accordion("Record (JSON)", open=False):
                record = gr.JSON(label="record")
    wire_text(
        [classify.click, typed.submit],
        typed,
        record,
        [label, words, status, details],
        pipeline,
        api_name="analyze_text",
        concurrency_limit=text_limit,
    )
    wire_word_click(words, table, click_note, lab)
