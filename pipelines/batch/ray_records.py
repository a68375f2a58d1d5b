"""The batch's per-file function on Ray Data, for folders that outgrow one machine.

``ray_records`` is a drop-in for ``inksight.pipelines.batch.local.local_records``: the files
still to do go in as a dataset of paths, ``map_batches`` runs them through actors that each hold
one ``Pipeline`` (models loaded once per actor) and the same per-file step (``analyze_file``), and
the records stream back to the caller, which journals each one as it arrives: nothing is
collected in memory and the exactly-once resume is the local one.

Every node must see the folder at the same path (a shared or mounted filesystem): workers read the
files themselves, so scans never pass through the driver.

With ``--device cuda`` (or ``auto`` on a cluster with GPUs) each actor asks Ray for one GPU, so
there is one model per GPU and no more actors than GPUs; Ray makes that GPU the actor's ``cuda``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from inksight.pipelines.analyze import Pipeline
from inksight.pipelines.batch.local import analyze_file
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.record import ReviewResult

__all__ = ["AnalyzeBatch", "actor_options", "ray_records"]

BATCH_SIZE = 2  # files per map_batches call: small, so work spreads evenly and records stream
CPUS_PER_ACTOR = 1  # each actor runs its OCR engine with one thread


class AnalyzeBatch:
    """A Ray Data callable class: builds the pipeline once, then maps path batches to records."""

    def __init__(self, factory: Callable[[], Pipeline], folder: str) -> None:
        from inksight.ocr import set_threads

        set_threads(CPUS_PER_ACTOR)  # an actor is this process: its edge sets the thread count
        self.pipeline = factory()
        self.folder = Path(folder)

    def __call__(self, batch: dict) -> dict:
        # Records travel as JSON text: one string column keeps Arrow from guessing nested types.
        results = [analyze_file(self.pipeline, self.folder, str(path)) for path in batch["path"]]
        return {"record": [json.dumps(r.to_dict(), ensure_ascii=False) for r in results]}


def actor_options(device: str, resources: dict[str, float]) -> dict[str, Any]:
    """Ray resources each actor asks for: one CPU, and one GPU when the device is CUDA.

    Args:
        device: The pipeline's ``--device`` (``auto`` takes a GPU when the cluster has one).
        resources: ``ray.cluster_resources()``.

    Raises:
        PipelineError: CUDA asked for on a cluster without GPUs.
    """
    gpus = int(resources.get("GPU", 0))
    if device.startswith("cuda") and gpus == 0:
        raise PipelineError(
            f"--device {device} was asked for but the Ray cluster has no GPU; use --device cpu, "
            "or auto to take GPUs only where there are some."
        )
    if device.startswith("cuda") or (device == "auto" and gpus > 0):
        return {"num_cpus": CPUS_PER_ACTOR, "num_gpus": 1}  # one model per GPU
    return {"num_cpus": CPUS_PER_ACTOR}


def _actors(options: dict[str, Any], resources: dict[str, float], workers: int | None) -> int:
    """How many actors the cluster holds at once with ``options`` each (at most ``workers``)."""
    cpus = int(resources.get("CPU", 1))
    fit = cpus // CPUS_PER_ACTOR
    if options.get("num_gpus"):
        fit = min(fit, int(resources.get("GPU", 0)))
    return max(1, min(workers or fit, fit))


def _device(factory: Callable[[], Pipeline]) -> str:
    """The ``--device`` of the config a batch's factory builds its pipeline from (else cpu)."""
    config = factory.args[0] if isinstance(factory, partial) and factory.args else None
    return getattr(config, "device", "cpu")


def _start_ray(address: str | None, workers: int | None) -> None:
    """Connect to the cluster at ``address``, or start a local Ray with ``workers`` CPUs."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage report
    # Ray's notice that it chose token authentication (its secure default) asks nothing of a
    # user; a problem with the token is still an error.
    logging.getLogger("ray._private.authentication").setLevel(logging.ERROR)
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=workers or os.cpu_count() or 1, **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise PipelineError(
            f"could not start or reach Ray ({error}); check --ray-address or run `ray status`."
        ) from None


def ray_records(
    factory: Callable[[], Pipeline],
    folder: Path,
    todo: list[str],
    workers: int | None = None,
    address: str | None = None,
    device: str | None = None,
) -> Iterator[ReviewResult]:
    """Records for ``todo`` from Ray actors, streamed in completion order.

    Args:
        factory: Builds the pipeline in each actor (pickled to the workers).
        folder: The folder the relative paths in ``todo`` are under.
        todo: Files still to do (already-recorded files never leave the driver).
        workers: Actors to run; default: one per CPU of the cluster.
        address: A running cluster (``auto``, ``ray://host:10001``); None starts a local Ray
            with ``workers`` CPUs (default: this machine's CPUs) for this run only.
        device: Where the actors' models run (None: the ``device`` of the ``PipelineConfig``
            that ``factory`` is a ``partial`` over, else the CPU).
    """
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        _start_ray(address, workers)
    try:
        # Our own progress bar counts records; Ray's bars and plan logs would draw over it.
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        # ... and its warning that they are off is about its bars, not ours.
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        resources = ray.cluster_resources()
        options = actor_options(device or _device(factory), resources)
        concurrency = min(_actors(options, resources, workers), len(todo))
        dataset = ray.data.from_items([{"path": path} for path in todo]).map_batches(
            AnalyzeBatch,
            fn_constructor_kwargs={"factory": factory, "folder": str(folder)},
            compute=ray.data.ActorPoolStrategy(size=concurrency),
            batch_size=BATCH_SIZE,
            **options,
        )
        for row in dataset.iter_rows():
            yield ReviewResult.from_dict(json.loads(row["record"]))
    finally:
        if started_here:
            ray.shutdown()
