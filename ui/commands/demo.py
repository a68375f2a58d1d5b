"""`inksight demo`: serve the web app on this machine (models loaded once, examples rendered)."""

from __future__ import annotations

import argparse
import sys
import threading
import time

from inksight.pipelines.analyze import PipelineConfig
from inksight.ui.config_args import add_config_arguments, config_from_args

__all__ = ["register", "serving_options"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="serve the web app: photo to transcription to sentiment, word neighbours, batch",
        description="Load the OCR engine and the sentiment model once, render the built-in "
        "examples, and serve the web app. Only this machine can reach it unless you pass "
        "--host 0.0.0.0; a public link only with --share. docs/deploy.md: Hugging Face Spaces "
        "and self-hosting.",
    )
    parser.add_argument(
        "--host", default=None,
        help="address to bind (default: $GRADIO_SERVER_NAME, else 127.0.0.1)",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT, else 7860)"
    )
    parser.add_argument(
        "--share", action="store_true", help="also open a public gradio.live link (off by default)"
    )
    parser.add_argument(
        "--auth", default=None, metavar="USER:PASSWORD",
        help="ask for this user name and password first (default: $INKSIGHT_AUTH, else none)",
    )  # fmt: skip
    parser.add_argument(
        "--concurrency", type=int, default=None, metavar="N",
        help="typed reviews and word-lab requests served at once (default: the CPU count, at "
        "least 4); images and batches run one per group of --threads cores",
    )  # fmt: skip
    parser.add_argument(
        "--max-queue", type=int, default=None, metavar="N",
        help="most requests waiting at once; more are told the app is busy (default: no limit)",
    )  # fmt: skip
    # The same pipeline options as `inksight analyze`, so a fine-tuned TrOCR (--trocr-model DIR,
    # --trocr-int8, --trocr-runtime onnxruntime) can be served too.
    add_config_arguments(parser, PipelineConfig)
    parser.set_defaults(func=_demo)


def serving_options(args: argparse.Namespace) -> dict:
    """The checked serving options of ``inksight demo`` (and ``app.py``): address, password,
    concurrency per queue, queue size. Every mistake is one sentence, before any model loads."""
    from inksight.pipelines.errors import PipelineError
    from inksight.ui.web.limits import concurrency_limits
    from inksight.ui.web.serving import parse_auth, server_address, share_warning

    host, port = server_address(args.host, args.port)
    auth = parse_auth(args.auth)
    for name in ("concurrency", "max_queue"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            flag = "--" + name.replace("_", "-")
            raise PipelineError(f"{flag} must be at least 1, not {getattr(args, name)}.")
    warning = share_warning(args.share, auth)
    if warning:
        print(f"inksight: warning: {warning}", file=sys.stderr)
    return {
        "host": host,
        "port": port,
        "share": args.share,
        "auth": auth,
        "concurrency": concurrency_limits(args.concurrency, threads=getattr(args, "threads", None)),
        "max_queue": args.max_queue,
    }


def _demo(args: argparse.Namespace) -> int:
    from inksight.pipelines.extras import require

    require("app")  # before gradio is imported: a core install says which extra to add
    serving = serving_options(args)  # before gradio too: it reads GRADIO_SERVER_PORT on import
    from inksight.pipelines.analyze import Pipeline, apply_threads
    from inksight.pipelines.embeddings.explorer import EmbeddingLab
    from inksight.pipelines.errors import PipelineError
    from inksight.pipelines.train.default_model import ensure_default_model
    from inksight.ui.console import info
    from inksight.ui.web.app import build_demo, launch_demo

    started = time.perf_counter()
    info("Loading the OCR engine and the sentiment model...")
    config = config_from_args(PipelineConfig, args)
    apply_threads(config)  # the server's start is the edge that owns the thread count
    pipeline = Pipeline.from_config(config)
    # The lab never trains a model itself: hand it the folder the pipeline's classifier came from.
    lab = EmbeddingLab(model_dir=config.model or ensure_default_model())
    demo = build_demo(
        pipeline, lab=lab, concurrency=serving["concurrency"], max_queue=serving["max_queue"]
    )
    try:
        address = launch_demo(demo, **{k: serving[k] for k in ("host", "port", "share", "auth")})
    except OSError as error:
        where = f"{serving['host']}:{serving['port']}"
        raise PipelineError(f"cannot serve on {where} ({error}); choose another --port.") from error
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
