"""The "The lab" tab: the lab report's text and pictures, or the command that makes it."""

from __future__ import annotations

import gradio as gr

from inksight.ui.web import handlers

__all__ = ["build_lab_tab"]


def build_lab_tab() -> None:
    """Lay out the tab; Refresh rereads the report (a lab run may finish while the app serves)."""
    with gr.Tab("The lab"):
        refresh = gr.Button("Refresh")
        text, pictures = handlers.lab_view()
        gallery = gr.Gallery(value=pictures or None, label="Lab pictures", columns=2)
        markdown = gr.Markdown(text)

    def refresh_lab():
        text, pictures = handlers.lab_view()
        return text, pictures or None

    refresh.click(refresh_lab, None, [markdown, gallery], api_visibility="private")
