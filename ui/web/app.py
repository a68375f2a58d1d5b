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
(``concurrency_limits``), so a 300-page PDF never holds up a typed review. With ``max_queue``, a
request beyond that many waiting ones is turned away at once instead of waiting for minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
from starlette.exceptions import HTTPException as StarletteHTTPException

from inksight.ui.web import handlers
from inksight.ui.web.lab_job import LabJob
from inksight.ui.web.limits import BUSY_MESSAGE, CONCURRENCY, MAX_PAGES, concurrency_limits
from inksight.ui.web.serving import server_address
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


def build_demo(
    pipeline: Pipeline,
    *,
    lab: EmbeddingLab | None = None,
    examples_dir: str | Path | None = None,
    concurrency: dict[str, int] | None = None,
    max_queue: int | None = None,
    lab_job: LabJob | None = None,
) -> gr.Blocks:
    """The whole app as a ``gr.Blocks``, queued with concurrency limits.

    Args:
        pipeline: a loaded ``inksight.pipelines.analyze.Pipeline`` (OCR engine + sentiment classifier).
        lab: a ``inksight.pipelines.embeddings.explorer.EmbeddingLab`` (default: the three standard
            sets over the pipeline's model folder, opened on first use; the lab trains nothing,
            so without a folder it uses the default model only if it is already trained).
        examples_dir: where the built-in examples are (rendered there when missing); default
            the cache's ``examples/`` folder.
        concurrency: requests run at once per queue, {"text", "image", "batch"} (default:
            ``limits.concurrency_limits()`` for this machine); the quick helper steps (word
            lab, showing a record) share the "text" figure.
        max_queue: most requests waiting at once, all queues together; more are refused with
            "busy, try again" (default: no limit).
        lab_job: the lab tab's quick-lab runner (default: ``inksight lab run --quick``).
    """
    from inksight.pipelines.embeddings.explorer import EmbeddingLab
    from inksight.pipelines.uploads import open_phone_formats

    open_phone_formats()  # gradio's image box opens uploads with Pillow before our reader does
    config = getattr(pipeline, "config", None)
    if config is not None and getattr(config, "max_pages", None) is None:
        config.max_pages = MAX_PAGES  # a visitor's PDF is read up to the app's page limit

    if lab is None:
        lab = EmbeddingLab(model_dir=getattr(getattr(pipeline, "config", None), "model", None))
    limits = concurrency or concurrency_limits()
    with gr.Blocks(title="Inksight", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Inksight\nHandwritten movie reviews → text → sentiment, and a word-embedding lab."
        )
        build_read_tab(pipeline, lab, examples_dir, limits)
        build_type_tab(pipeline, lab, limits["text"])
        build_words_tab(lab, demo)
        build_map_tab(lab)
        build_batch_tab(pipeline, limits["batch"])
        build_lab_tab(demo, lab_job or LabJob())
    demo.queue(default_concurrency_limit=limits["text"], max_size=max_queue)
    return demo


def launch_demo(
    demo,
    *,
    host: str | None = None,
    port: int | None = None,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    quiet: bool = True,
    block: bool = False,
):
    """Serve ``demo``: uploads capped at the size limit, no file outside the app's own upload
    and cache folders readable, no public link unless ``share``, a login page with ``auth``.

    Args:
        host, port: the address; unset, gradio's ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT``,
            else 127.0.0.1:7860 (``serving.server_address``).

    Returns:
        The local address (the public one with ``share``).
    """
    host, port = server_address(host, port)
    _, local_url, share_url = demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        app_kwargs={"exception_handlers": {StarletteHTTPException: _say_busy}},
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


async def _say_busy(request, error):
    """Gradio's answer, except that a full queue says ``BUSY_MESSAGE`` to a caller reading the
    HTTP reply. (The page and gradio_client show their own fixed sentence for it: "This
    application is currently busy. Please try again.")"""
    from fastapi import HTTPException
    from fastapi.exception_handlers import http_exception_handler

    if error.status_code == 503 and str(error.detail).startswith("Queue is full"):
        error = HTTPException(503, BUSY_MESSAGE, headers=error.headers)
    return await http_exception_handler(request, error)
