"""`inksight demo`: serve the web app on this machine (models loaded once, examples rendered)."""

from __future__ import annotations

import argparse
import sys
import threading
import time

from inksight.pipelines.analyze import PipelineConfig
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="serve the web app: photo to transcription to sentiment, word neighbours, batch",
        description="Load the OCR engine and the sentiment model once, render the built-in "
        "examples, and serve the web app. Only this machine can reach it unless you pass "
        "--host 0.0.0.0; a public link only with --share.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument(
        "--share", action="store_true", help="also open a public gradio.live link (off by default)"
    )
    # The same pipeline options as `inksight analyze`, so a fine-tuned TrOCR (--trocr-model DIR,
    # --trocr-int8, --trocr-runtime onnxruntime) can be served too.
    add_config_arguments(parser, PipelineConfig)
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from inksight.pipelines.analyze import Pipeline, apply_threads
    from inksight.pipelines.embeddings.explorer import EmbeddingLab
    from inksight.pipelines.errors import PipelineError
    from inksight.pipelines.train.default_model import ensure_default_model
    from inksight.ui.web.app import build_demo, launch_demo

    if not 1 <= args.port <= 65535:
        raise PipelineError(f"--port must be between 1 and 65535, not {args.port}.")
    started = time.perf_counter()
    print("Loading the OCR engine and the sentiment model...", file=sys.stderr)
    config = config_from_args(PipelineConfig, args)
    apply_threads(config)  # the server's start is the edge that owns the thread count
    pipeline = Pipeline.from_config(config)
    # The lab never trains a model itself: hand it the folder the pipeline's classifier came from.
    lab = EmbeddingLab(model_dir=config.model or ensure_default_model())
    demo = build_demo(pipeline, lab=lab)
    try:
        address = launch_demo(demo, host=args.host, port=args.port, share=args.share)
    except OSError as error:
        raise PipelineError(
            f"cannot serve on {args.host}:{args.port} ({error}); choose another --port."
        ) from error
    threading.Thread(target=_warm, args=(pipeline, lab), name="warm-up", daemon=True).start()
    seconds = time.perf_counter() - started
    print(f"Inksight is ready at {address} (started in {seconds:.1f} s; Ctrl+C stops it).")
    sys.stdout.flush()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0


def _warm(pipeline, lab) -> None:
    """Load what the first visitor would otherwise wait for: spaCy's lemma tables and the
    embedding sets (GloVe's first opening converts it into the cache)."""
    pipeline.analyze_text("A warm-up review: good acting, boring plot.")
    lab.warm()
