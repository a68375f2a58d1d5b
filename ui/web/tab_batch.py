"""The "Batch" tab: several images, PDFs or zips in; a table of results and CSV/JSONL downloads out.

The downloads are written straight into gradio's cache (one folder per request), where gradio serves
them from without another copy; the request's unpacked files are deleted when it ends, so a batch
leaves no folder of its own behind.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from inksight.pipelines.uploads import IMAGE_SUFFIXES
from inksight.ui.web import handlers
from inksight.ui.web.limits import CONCURRENCY
from inksight.ui.web.parts import UPLOADS, guard

if TYPE_CHECKING:
    from inksight.pipelines.analyze import Pipeline

__all__ = ["build_batch_tab"]


def build_batch_tab(pipeline: Pipeline, limit: int = CONCURRENCY["batch"]) -> None:
    """Lay out the tab and wire it: every file gets one row, with a progress bar meanwhile;
    ``limit`` batches run at once."""
    with gr.Tab("Batch"):
        files = gr.File(
            label="Several images / PDFs, or a zip of them",
            file_count="multiple",
            file_types=[*IMAGE_SUFFIXES, ".zip"],  # the suffixes the batch unpacks and reads
        )
        button = gr.Button("Analyse all", variant="primary")
        status = gr.Markdown()
        table = gr.Dataframe(
            headers=handlers.BATCH_COLUMNS, label="Results", interactive=False, wrap=True
        )
        downloads = gr.File(label="Downloads (CSV and JSONL)", file_count="multiple")

    @guard(lambda message: ([], None, f"⚠️ {message}"))
    def batch(files, progress=gr.Progress()):  # noqa: B008 - gradio's way to ask for a bar
        def report(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"reading {name}" if name else "done", unit="files")

        downloads = Path(UPLOADS) / "inksight-results" / uuid.uuid4().hex
        outcome = handlers.run_batch(
            pipeline, files, progress=report, uploads=UPLOADS, downloads_dir=downloads
        )
        return outcome.rows, outcome.downloads or None, outcome.message

    button.click(
        batch,
        inputs=files,
        outputs=[table, downloads, status],
        api_name="batch",
        preprocess=False,  # the app checks and reads the files itself
        concurrency_id="batch",
        concurrency_limit=limit,
    )
