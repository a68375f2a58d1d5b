"""The "The lab" tab: the lab report's text and pictures, or a button that makes the quick one.

Without a report, *Run the quick lab here* starts ``inksight lab run --quick`` in a background
thread (``ui/web/lab_job.py``; one run at a time for the whole server); a timer polls it every
few seconds, so the page and the other tabs stay usable, and the report replaces the progress
line when it is written.
"""

from __future__ import annotations

import gradio as gr

from inksight.ui.web import handlers
from inksight.ui.web.lab_job import LabJob

__all__ = ["build_lab_tab", "POLL_SECONDS"]

POLL_SECONDS = 3.0  # how often a waiting page asks whether the quick lab has finished


def build_lab_tab(page: gr.Blocks, job: LabJob) -> None:
    """Lay out the tab and wire it; each visit reads the report afresh (a run may have finished
    while the app served), and shows a run in progress."""
    with gr.Tab("The lab"):
        with gr.Row():
            run = gr.Button("Run the quick lab here", variant="primary", visible=False)
            refresh = gr.Button("Refresh")
        status = gr.Markdown(elem_id="lab-status")
        gallery = gr.Gallery(label="Lab pictures", columns=2, visible=False)
        markdown = gr.Markdown(elem_id="lab-report")
        timer = gr.Timer(POLL_SECONDS, active=False)

    def show_lab():
        """(status, report, pictures, run button, timer) as the page should show them now."""
        text, pictures, exists = handlers.lab_view()
        running = job.running
        return (
            job.status_markdown(),
            text,
            gr.Gallery(value=pictures or None, visible=bool(pictures)),
            gr.Button(visible=not exists and not running),
            gr.Timer(active=running),
        )

    def start_run():
        job.start()  # a run started by another visitor is simply shown
        return show_lab()

    shown = [status, markdown, gallery, run, timer]
    page.load(show_lab, None, shown, api_visibility="private")
    refresh.click(show_lab, None, shown, api_visibility="private")
    run.click(start_run, None, shown, api_visibility="private")
    timer.tick(show_lab, None, shown, api_visibility="private")
