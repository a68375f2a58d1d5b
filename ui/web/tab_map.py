"""The "Embedding map" tab: a set's most frequent words after PCA, coloured by the classifier's lean."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from inksight.ui.web import handlers
from inksight.ui.web.parts import SET_CHOICES, guard

if TYPE_CHECKING:
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = ["build_map_tab"]


def build_map_tab(lab: EmbeddingLab) -> None:
    """Lay out the tab and wire it: the map is drawn on the button or on Enter in the search box."""
    with gr.Tab("Embedding map"):
        with gr.Row():
            name = gr.Radio(
                [(title, n) for title, n in SET_CHOICES if n in lab.names],
                value="model" if "model" in lab.names else lab.names[0],
                label="Embedding set",
            )
            top = gr.Slider(10, 1000, value=300, step=10, label="Most frequent words")
            find = gr.Textbox(label="Find a word on the map", placeholder="e.g. boring")
            button = gr.Button("Draw the map", variant="primary")
        note = gr.Markdown(
            "Blue words push a review towards positive, red towards negative; triangles mark "
            "the seed groups (good, great… / bad, awful…)."
        )
        plot = gr.Plot(label="PCA map")

    @guard(lambda message: (None, f"⚠️ {message}"))
    def embedding_map(name, top, find):
        return handlers.embedding_map(lab, name, top, find)

    gr.on(
        [button.click, find.submit],
        embedding_map,
        inputs=[name, top, find],
        outputs=[plot, note],
        api_name="embedding_map",
    )
