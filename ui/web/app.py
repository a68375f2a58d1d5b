"""The Inksight web app: a handwritten review in, what Inksight read and why out.

``build_demo(pipeline)`` lays out six tabs and wires them to the small handlers in
``ui/web/handlers.py``; the models are loaded once by the caller and shared by every request. Each tab's
action is a named API endpoint (``analyze_image``, ``analyze_text``, ``neighbours``, ``similarity``,
``analogy``, ``batch``, plus ``embedding_map``) that returns a JSON-safe answer, so the page and
``gradio_client`` get the same thing; a private follow-up step turns that answer into the page's
pieces. ``launch_demo`` serves it with the size limit and the safe file-access settings.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from inksight.ui.web import handlers

__all__ = ["CONCURRENCY", "build_demo", "launch_demo"]

CONCURRENCY = 2  # the machine has 2 cores: more parallel OCR runs only slow each other down
SET_CHOICES = [("classifier", "model"), ("word2vec", "word2vec"), ("GloVe", "glove")]
log = logging.getLogger("inksight.app")
# Where gradio keeps what it received (uploads, example copies); the handlers read nothing else.
UPLOADS = gr.utils.get_upload_folder()


def _guard(fallback: Callable[[str], Any]):
    """Never let an unexpected exception reach the page as a stack trace: log it, answer a
    sentence, keep serving. (User mistakes never get here; handlers turn them into messages.)"""

    def wrap(fn):
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


def build_demo(pipeline, *, lab=None, examples_dir: str | Path | None = None):
    """The whole app as a ``gr.Blocks``, queued with a concurrency limit.

    Args:
        pipeline: a loaded ``inksight.pipelines.analyze.Pipeline`` (OCR engine + sentiment classifier).
        lab: a ``inksight.pipelines.embeddings.explorer.EmbeddingLab`` (default: the three standard sets, opened
            on first use).
        examples_dir: where the built-in examples are (rendered there when missing); default
            the cache's ``examples/`` folder.
    """
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

    if lab is None:
        lab = EmbeddingLab(model_dir=getattr(getattr(pipeline, "config", None), "model", None))
    examples, examples_note = _examples(examples_dir)

    def error_record(message: str) -> dict:
        return {"error": message}

    with gr.Blocks(title="Inksight", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Inksight\nHandwritten movie reviews → text → sentiment, and a word-embedding lab."
        )
        with gr.Tab("Read a handwritten review"), gr.Row():
            with gr.Column(scale=1):
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
                    file_types=[".pdf", "image"],
                    elem_id="document",
                )
                read_button = gr.Button("Read the review", variant="primary")
                if examples:
                    gr.Examples(
                        examples=[[str(e.path)] for e in examples],
                        inputs=[photo],
                        label="Examples: handwritten reviews rendered by Inksight",
                        example_labels=[f"{e.label}, {e.kind} ({e.style})" for e in examples],
                    )
                else:
                    gr.Markdown(examples_note)
            with gr.Column(scale=2):
                image_status = gr.Markdown(handlers.NO_IMAGE, elem_id="image-status")
                gr.Markdown(
                    "Lines found, coloured by OCR confidence (green ≥ 90%, amber ≥ 80%, red below):"
                )
                boxes = gr.AnnotatedImage(show_label=False, elem_id="boxes")
                image_label = gr.Label(label="Sentiment", elem_id="image-label")
                transcription = gr.Textbox(
                    label="Transcription (edit it and press Re-score)",
                    lines=4,
                    interactive=True,
                    elem_id="transcription",
                )
                rescore_button = gr.Button("Re-score the edited text")
                image_words = _word_highlights("image-words")
                image_details = gr.Markdown()
                with gr.Accordion("Neighbours of the clicked word", open=True):
                    image_click_note = gr.Markdown("Click a word of the review above.")
                    image_click_table = _click_table()
                with gr.Accordion("Record (JSON)", open=False):
                    image_record = gr.JSON(label="record")

        with gr.Tab("Type a review"), gr.Row():
            with gr.Column(scale=1):
                typed = gr.Textbox(
                    label="Review", lines=6, placeholder="Type or paste a movie review…"
                )
                typed_button = gr.Button("Classify", variant="primary")
            with gr.Column(scale=1):
                typed_status = gr.Markdown()
                typed_label = gr.Label(label="Sentiment")
                typed_words = _word_highlights("typed-words")
                typed_details = gr.Markdown()
                typed_click_note = gr.Markdown("Click a word of the review above.")
                typed_click_table = _click_table()
                with gr.Accordion("Record (JSON)", open=False):
                    typed_record = gr.JSON(label="record")

        with gr.Tab("Word neighbours"):
            gr.Markdown(
                "Nearest words by cosine similarity in the classifier's own embeddings, "
                "word2vec trained on the IMDB reviews, and GloVe (6B, 50d)."
            )
            with gr.Row():
                word = gr.Textbox(label="Word", value="good", elem_id="word", scale=3)
                topn = gr.Slider(1, 30, value=10, step=1, label="Neighbours", scale=2)
                neighbours_button = gr.Button("Find neighbours", variant="primary", scale=1)
            neighbours_note = gr.Markdown(elem_id="neighbours-note")
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
            neighbours_json = gr.JSON(visible=False)
            with gr.Row():
                with gr.Column():
                    gr.Markdown("### Similarity of two words")
                    with gr.Row():
                        first = gr.Textbox(label="First word", value="good")
                        second = gr.Textbox(label="Second word", value="great")
                    similarity_button = gr.Button("Compare")
                    similarity_out = gr.Markdown()
                    similarity_json = gr.JSON(visible=False)
                with gr.Column():
                    gr.Markdown("### Analogy: A − B + C")
                    with gr.Row():
                        a = gr.Textbox(label="A", value="king")
                        b = gr.Textbox(label="B", value="man")
                        c = gr.Textbox(label="C", value="woman")
                    analogy_button = gr.Button("Solve")
                    analogy_out = gr.Markdown()
                    analogy_json = gr.JSON(visible=False)

        with gr.Tab("Embedding map"):
            with gr.Row():
                map_set = gr.Radio(
                    [(t, n) for t, n in SET_CHOICES if n in lab.names],
                    value="model" if "model" in lab.names else lab.names[0],
                    label="Embedding set",
                )
                map_top = gr.Slider(10, 1000, value=300, step=10, label="Most frequent words")
                map_find = gr.Textbox(label="Find a word on the map", placeholder="e.g. boring")
                map_button = gr.Button("Draw the map", variant="primary")
            map_note = gr.Markdown(
                "Blue words push a review towards positive, red towards negative; triangles mark "
                "the seed groups (good, great… / bad, awful…)."
            )
            map_plot = gr.Plot(label="PCA map")

        with gr.Tab("Batch"):
            batch_files = gr.File(
                label="Several images / PDFs, or a zip of them",
                file_count="multiple",
                file_types=[".pdf", ".zip", "image"],
            )
            batch_button = gr.Button("Analyse all", variant="primary")
            batch_status = gr.Markdown()
            batch_table = gr.Dataframe(
                headers=handlers.BATCH_COLUMNS, label="Results", interactive=False, wrap=True
            )
            batch_downloads = gr.File(label="Downloads (CSV and JSONL)", file_count="multiple")

        with gr.Tab("The lab"):
            lab_refresh = gr.Button("Refresh")
            lab_text, lab_pictures = handlers.lab_view()
            lab_gallery = gr.Gallery(value=lab_pictures or None, label="Lab pictures", columns=2)
            lab_markdown = gr.Markdown(lab_text)

        # --- reading an image: one named step that answers the record, one that shows it ------
        @_guard(error_record)
        def analyze_image(image):
            # gradio_client 2.x downloads any answer dict with a string "path" as a file; the
            # caller knows which file it sent, so the web record leaves the name out.
            return {**handlers.analyze_upload(pipeline, image, uploads=UPLOADS), "path": None}

        @_guard(lambda message: _show_review(None, {"error": message}, pipeline))
        def show_image_review(image, record):
            return _show_review(image, record, pipeline)

        image_outputs = [
            boxes, transcription, image_label, image_words, image_details, image_status,
        ]  # fmt: skip
        gr.on(
            [read_button.click, photo.change],
            analyze_image,
            inputs=photo,
            outputs=image_record,
            api_name="analyze_image",
            preprocess=False,  # the app's own reader decodes files: our messages, PDFs accepted
            concurrency_id="models",
        ).then(
            show_image_review,
            inputs=[photo, image_record],
            outputs=image_outputs,
            preprocess=False,
            api_visibility="private",
        )
        document.upload(
            analyze_image,
            inputs=document,
            outputs=image_record,
            preprocess=False,
            concurrency_id="models",
            api_visibility="private",
        ).then(
            show_image_review,
            inputs=[document, image_record],
            outputs=image_outputs,
            preprocess=False,
            api_visibility="private",
        )

        # --- typed or corrected text --------------------------------------------------------
        @_guard(error_record)
        def analyze_text(text):
            return handlers.analyze_typed(pipeline, text)

        @_guard(lambda message: _show_text({"error": message}, pipeline))
        def show_text_review(record):
            return _show_text(record, pipeline)

        text_outputs = [image_label, image_words, image_status, image_details]
        gr.on(
            [rescore_button.click, transcription.submit],
            analyze_text,
            inputs=transcription,
            outputs=image_record,
            api_name="rescore_text",
            concurrency_id="models",
            api_visibility="private",
        ).then(
            show_text_review,
            inputs=image_record,
            outputs=text_outputs,
            api_name="show_rescored_text",
            api_visibility="private",
        )
        gr.on(
            [typed_button.click, typed.submit],
            analyze_text,
            inputs=typed,
            outputs=typed_record,
            api_name="analyze_text",
            concurrency_id="models",
        ).then(
            show_text_review,
            inputs=typed_record,
            outputs=[typed_label, typed_words, typed_status, typed_details],
            api_visibility="private",
        )

        # --- clicking a word ----------------------------------------------------------------
        @_guard(lambda message: ([], f"⚠️ {message}"))
        def click_word(evt: gr.SelectData):
            return handlers.click_neighbours(lab, evt.value)

        image_words.select(
            click_word, None, [image_click_table, image_click_note], api_visibility="private"
        )
        typed_words.select(
            click_word, None, [typed_click_table, typed_click_note], api_visibility="private"
        )

        # --- word neighbours, similarity, analogy ---------------------------------------------
        @_guard(error_record)
        def neighbours(word, topn):
            return handlers.neighbours(lab, word, topn)

        def show_neighbours(found):
            shown, note = handlers.neighbour_tables(found or {}, [n for _, n in SET_CHOICES])
            if found and found.get("error") and "sets" not in found:
                gr.Warning(found["error"])
            return [*shown, note]

        gr.on(
            [neighbours_button.click, word.submit],
            neighbours,
            inputs=[word, topn],
            outputs=neighbours_json,
            api_name="neighbours",
        ).then(
            show_neighbours,
            inputs=neighbours_json,
            outputs=[*tables, neighbours_note],
            api_visibility="private",
        )

        @_guard(error_record)
        def similarity(first, second):
            return handlers.similarity(lab, first, second)

        similarity_button.click(
            similarity, [first, second], similarity_json, api_name="similarity"
        ).then(
            handlers.similarity_markdown,
            similarity_json,
            similarity_out,
            api_visibility="private",
        )

        @_guard(error_record)
        def analogy(a, b, c):
            return handlers.analogy(lab, a, b, c)

        analogy_button.click(analogy, [a, b, c], analogy_json, api_name="analogy").then(
            handlers.analogy_markdown, analogy_json, analogy_out, api_visibility="private"
        )

        # --- the map ------------------------------------------------------------------------
        @_guard(lambda message: (None, f"⚠️ {message}"))
        def embedding_map(name, top, find):
            return handlers.embedding_map(lab, name, top, find)

        gr.on(
            [map_button.click, map_find.submit],
            embedding_map,
            inputs=[map_set, map_top, map_find],
            outputs=[map_plot, map_note],
            api_name="embedding_map",
        )

        # --- batch --------------------------------------------------------------------------
        @_guard(lambda message: ([], None, f"⚠️ {message}"))
        def batch(files, progress=gr.Progress()):  # noqa: B008 - gradio's way to ask for a bar
            def report(done: int, total: int, name: str) -> None:
                progress((done, total), desc=f"reading {name}" if name else "done", unit="files")

            outcome = handlers.run_batch(pipeline, files, progress=report, uploads=UPLOADS)
            return outcome.rows, outcome.downloads or None, outcome.message

        batch_button.click(
            batch,
            inputs=batch_files,
            outputs=[batch_table, batch_downloads, batch_status],
            api_name="batch",
            preprocess=False,
            concurrency_id="models",
        )

        # --- the lab ------------------------------------------------------------------------
        def refresh_lab():
            text, pictures = handlers.lab_view()
            return text, pictures or None

        lab_refresh.click(refresh_lab, None, [lab_markdown, lab_gallery], api_visibility="private")

    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def _word_highlights(elem_id: str):
    return gr.HighlightedText(
        label="Words by their push on the label (+1 towards positive, −1 towards negative); "
        "click a word for its neighbours",
        show_legend=True,
        combine_adjacent=False,
        elem_id=elem_id,
    )


def _click_table():
    return gr.Dataframe(
        headers=["#", "classifier", "cosine", "GloVe", "cosine"],
        interactive=False,
        label="Nearest neighbours",
        elem_id="click-neighbours",
    )


def _show_review(source: Any, record: dict, pipeline) -> tuple:
    view = handlers.review_view(pipeline, record, source, uploads=UPLOADS)
    for message in view.messages:
        gr.Warning(message)
    boxes = gr.AnnotatedImage(value=view.boxes, color_map=view.colours or None)
    return boxes, view.text, view.label, view.highlights, view.details, view.status


def _show_text(record: dict, pipeline) -> tuple:
    view = handlers.review_view(pipeline, record)
    for message in view.messages:
        gr.Warning(message)
    return view.label, view.highlights, view.status, view.details


def _examples(folder: str | Path | None) -> tuple[list, str]:
    """The built-in examples (rendered when missing), or a note saying why there are none."""
    from inksight.pipelines.errors import USER_ERRORS
    from inksight.pipelines.examples import render_examples

    try:
        return render_examples(folder), ""
    except (*USER_ERRORS, OSError) as error:
        log.warning("no built-in examples: %s", error)
        return [], f"No built-in examples: {error}"


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
        show_error=False,
        footer_links=["api"],
        theme=gr.themes.Soft(),
        ssr_mode=False,
    )
    if block:
        demo.block_thread()
    return share_url or local_url
