"""The "Word neighbours" tab: a word's nearest neighbours in each embedding set side by side, the
similarity of two words, and analogies (A − B + C).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import gradio as gr

from inksight.ui.web import handlers
from inksight.ui.web.parts import SET_CHOICES, error_record, guard

if TYPE_CHECKING:
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = ["build_words_tab"]


def build_words_tab(lab: EmbeddingLab, page: gr.Blocks | None = None) -> None:
    """Lay out the tab and wire its three questions to the embedding lab; with ``page``, the
    neighbours of the example word are answered as the page loads (not on a first click)."""

    def similarity(first: str, second: str) -> dict:
        return handlers.similarity(lab, first, second)

    def analogy(a: str, b: str, c: str) -> dict:
        return handlers.analogy(lab, a, b, c)

    with gr.Tab("Word neighbours"):
        gr.Markdown(
            "Nearest words by cosine similarity in the classifier's own embeddings, "
            "word2vec trained on the IMDB reviews, and GloVe (6B, 50d)."
        )
        _neighbours_section(lab, page)
        with gr.Row():
            with gr.Column():
                _question(
                    "Similarity of two words",
                    [("First word", "good"), ("Second word", "great")],
                    "Compare",
                    similarity,
                    handlers.similarity_markdown,
                )
            with gr.Column():
                _question(
                    "Analogy: A − B + C",
                    [("A", "king"), ("B", "man"), ("C", "woman")],
                    "Solve",
                    analogy,
                    handlers.analogy_markdown,
                )


def _neighbours_section(lab: EmbeddingLab, page: gr.Blocks | None) -> None:
    """A word and how many neighbours; one table per set, and a note for what could not answer."""
    with gr.Row():
        word = gr.Textbox(label="Word", value="good", elem_id="word", scale=3)
        topn = gr.Slider(1, 30, value=10, step=1, label="Neighbours", scale=2)
        button = gr.Button("Find neighbours", variant="primary", scale=1)
    note = gr.Markdown(elem_id="neighbours-note")
    with gr.Row():
        tables = [
            gr.Dataframe(
                headers=["word", "cosine"],
                label=title,
                interactive=False,
                elem_id=f"neighbours-{name}",
            )
            for title, name in SET_CHOICES
        ]
    found = gr.JSON(visible=False)

    @guard(error_record)
    def neighbours(word, topn):
        return handlers.neighbours(lab, word, topn)

    def show_neighbours(found):
        shown, message = handlers.neighbour_tables(found or {}, [n for _, n in SET_CHOICES])
        if found and found.get("error") and "sets" not in found:
            gr.Warning(handlers.toast_text(found["error"]))
        return [*shown, message]

    gr.on(
        [button.click, word.submit],
        neighbours,
        inputs=[word, topn],
        outputs=found,
        api_name="neighbours",
    ).then(show_neighbours, inputs=found, outputs=[*tables, note], api_visibility="private")
    if page is not None:  # the example word ("good") answered before anyone asks
        page.load(neighbours, [word, topn], found, api_visibility="private").then(
            show_neighbours, inputs=found, outputs=[*tables, note], api_visibility="private"
        )


def _question(
    title: str,
    words: Sequence[tuple[str, str]],
    button_text: str,
    ask: Callable[..., dict],
    show: Callable[[dict], str],
) -> None:
    """A question about a few words: one box per (label, default) in ``words``, a button, and the
    answer shown by ``show``. The answer itself is the endpoint named after ``ask``."""
    gr.Markdown(f"### {title}")
    with gr.Row():
        boxes = [gr.Textbox(label=label, value=value) for label, value in words]
    button = gr.Button(button_text)
    shown = gr.Markdown()
    found = gr.JSON(visible=False)
    button.click(guard(error_record)(ask), boxes, found, api_name=ask.__name__).then(
        show, found, shown, api_visibility="private"
    )
