"""The batch's per-file step and its local runner: this process, or a pool of worker processes.

``analyze_file`` is the one step every runner shares (local, Ray, the web app's batch): one file to
one ``ReviewResult``, whatever goes wrong becoming the record's error. ``local_records`` runs it
over the files still to do, in ``workers`` processes that each load the models once, and yields
the results in completion order; the caller journals each as it arrives.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from inksight.pipelines.analyze import Pipeline
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.record import ReviewResult

__all__ = ["WORKER_THREADS", "analyze_file", "local_records"]

WORKER_THREADS = 1  # CPU threads per worker; --workers is how a batch uses more cores


def analyze_file(pipeline: Pipeline, folder: Path, relative: str) -> ReviewResult:
    """The record of one file; whatever goes wrong becomes its ``error`` (the batch goes on)."""
    try:
        return pipeline.analyze(Path(folder) / relative, path=relative)
    except Exception as error:  # noqa: BLE001 - one bad file must never stop a batch
        message = f"unexpected {type(error).__name__} while reading the file: {error}"
        return ReviewResult.failed(relative, message)


_worker_pipeline: Pipeline | None = None


def _init_worker(factory: Callable[[], Pipeline], threads: int = 1) -> None:
    global _worker_pipeline
    from inksight.ocr import set_threads

    # Own session, like a Ray worker: Linux's autogroup scheduler shares CPU between sessions,
    # so in the caller's session N workers would get one process's share on a busy machine.
    # Ctrl-C then reaches only the parent, which stops the pool cleanly. (POSIX only: Windows
    # has no sessions.)
    if hasattr(os, "setsid"):
        os.setsid()
    # A worker whose parent was killed (kill -9) would wait for work forever: exit with it.
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    # One core per worker: thread pools sized for the whole machine in every process fight.
    set_threads(threads)
    _worker_pipeline = factory()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _analyze_in_worker(folder: str, relative: str) -> dict:
    assert _worker_pipeline is not None, "worker started without its initializer"
    # The record travels back as its dict: plain data pickles small and the same everywhere.
    return analyze_file(_worker_pipeline, Path(folder), relative).to_dict()


def local_records(
    factory: Callable[[], Pipeline], folder: Path, todo: list[str], workers: int
) -> Iterator[ReviewResult]:
    """Records for ``todo`` in completion order: in this process, or in ``workers`` processes."""
    if workers == 1:
        pipeline = factory()
        for relative in todo:
            yield analyze_file(pipeline, folder, relative)
        return
    import multiprocessing

    # spawn: workers start clean (no copied torch/onnx thread pools); bounded in-flight work
    # keeps memory flat for a million files.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(factory, WORKER_THREADS)
    ) as pool:
        pending_paths = iter(todo)
        running: dict = {}
        try:
            for _ in range(workers * 2):
                _submit(pool, running, pending_paths, folder)
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    running.pop(future)
                    _submit(pool, running, pending_paths, folder)
                    yield ReviewResult.from_dict(future.result())
        except BrokenProcessPool:
            raise PipelineError(
                "a worker process died (out of memory?) while reading one of "
                f"{', '.join(sorted(running.values()))}; run again to resume, with --workers 1 "
                "to find the file."
            ) from None
        finally:
            for future in running:
                future.cancel()


def _submit(pool: ProcessPoolExecutor, running: dict, paths: Iterator[str], folder: Path) -> None:
    relative = next(paths, None)
    if relative is not None:
        running[pool.submit(_analyze_in_worker, str(folder), relative)] = relative
