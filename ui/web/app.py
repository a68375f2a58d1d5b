"""The Inksight web app: a handwritten review in, what Inksight read and why out.

``build_demo(pipeline)`` composes six tabs, one builder each (``tab_read``, ``tab_type``,
``tab_words``, ``tab_map``, ``tab_batch``, ``tab_lab``), wired to the small handlers in
``ui/web/handlers.py``; the models are loaded once by the caller and shared by every request. Each
tab's action is a named API endpoint (``analyze_image``, ``analyze_text``, ``neighbours``,
``similarity``, ``analogy``, ``batch``, plus ``embedding_map``) that returns a JSON-safe answer, so
the page and ``gradio_client`` get the same thing; a private follow-up step turns that answer into
the page's pieces. ``launch_demo`` serves it with the size limit and the safe file-access settings.

Requests are bounded (``ui/web/limits.py``): a document is read up to ``MAX_PAGES`` pages unless the
pipeline's config sets ``max_pages``, and text, image and batch requests wait in separate queues
(``CONCURRENCY``), so a 300-page PDF never holds up a typed review.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from inksight.ui.web import handlers
from inksight.ui.web.limits import CONCURRENCY, MAX_PAGES
from inksight.ui.web.tab_batch import build_batch_tab
from inksight.ui.web.tab_lab import build_lab_tab
from inksight.ui.web.tab_map import build_map_tab
from inksight.ui.web.tab_read import build_read_tab
from inksight.ui.web.tab_type import build_type_tab
from inksight.ui.web.tab_words import build_words_tab

if TYPE_CHECKING:
    from inksight.pipelines.analyze import Pipeline
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

__all__ = ["CONCURRENCY", "build_demo", "launch_demo"]

HELPER_CONCURRENCY = 2  # the quick steps without a queue of their own (word lab, showing a record)


def build_demo(
    pipeline: Pipeline, *, lab: EmbeddingLab | None = None, examples_dir: str | Path | None = None
) -> gr.Blocks:
    """The whole app as a ``gr.Blocks``, queued with a concurrency limit.

    Args:
        pipeline: a loaded ``inksight.pipelines.analyze.Pipeline`` (OCR engine + sentiment classifier).
        lab: a ``inksight.pipelines.embeddings.explorer.EmbeddingLab`` (default: the three standard
            sets over the pipeline's model folder, opened on first use; the lab trains nothing,
            so without a folder it uses the default model only if it is already trained).
        examples_dir: where the built-in examples are (rendered there when missing); default
            the cache's ``examples/`` folder.
    """
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

    config = getattr(pipeline, "config", None)
    if config is not None and getattr(config, "max_pages", None) is None:
        config.max_pages = MAX_PAGES  # a visitor's PDF is read up to the app's page limit

    if lab is None:
        lab = EmbeddingLab(model_dir=getattr(getattr(pipeline, "config", None), "model", None))
    with gr.Blocks(title="Inksight", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Inksight\nHandwritten movie reviews → text → sentiment, and a word-embedding lab."
        )
        build_read_tab(pipeline, lab, examples_dir)
        build_type_tab(pipeline, lab)
        build_words_tab(lab)
        build_map_tab(lab)
        build_batch_tab(pipeline)
        build_lab_tab()
    demo.queue(default_concurrency_limit=HELPER_CONCURRENCY)
    return demo


def launch_demo(
    demo,
    *,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    share: bool = False,
    quiet: bool = True,
    block: bool = False,
):
    """Serve ``demo``: uploads capped at the size limit, no file outside the app's own upload
    and cache folders readable, no public link unless ``share``.

    Returns:
        The local address.
    """
    _, local_url, share_url = demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        max_file_size=f"{handlers.MAX_UPLOAD_MB}mb",
        allowed_paths=[],  # outputs are copied into gradio's cache; nothing else is served
        prevent_thread_lock=True,
        quiet=quiet,
        show_error=True,  # gradio's own refusals (a path it will not read) reach the caller as a
        # sentence; the handlers never raise (``parts.guard``), so no internal error gets there
        footer_links=["api"],
        theme=gr.themes.Soft(),
        ssr_mode=False,
    )
    if block:
        demo.block_thread()
    return share_url or local_url
