"""A folder of scans into one results file: every file exactly once, resumable after any crash.

The journal is the truth (``journal.py``). Each finished file appends one whole JSON line (the
``ReviewResult`` record, ``path`` relative to the folder), on disk before the next, so a
``kill -9`` loses at most the line being written; re-running the same command repairs that torn
last line, skips every file already recorded and does the rest. CSV and Parquet outputs are
written from the journal once every file is in it (the journal stays beside them as
``<out>.journal.jsonl``).

One batch at a time per output: the lock beside the journal is taken before anything is read,
deleted or written, and held until the outputs are written, so a second batch on the same
``--out`` (with ``--force`` or not) is refused instead of deleting the first one's results.
A sidecar ``<out>.batch.json`` remembers which folder the results belong to, so a results file is
never silently mixed with another folder's; ``force`` starts over, ``retry_failed`` runs the files
whose record is an error again. Work runs in this process, in ``workers`` processes
(``local.py``) or on Ray (``ray_records.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

from inksight.ocr.reader import READABLE_SUFFIXES
from inksight.pipelines.analyze import Pipeline, PipelineConfig
from inksight.pipelines.batch.inputs import find_inputs
from inksight.pipelines.batch.journal import FileLock, Journal, beside, lock_path
from inksight.pipelines.batch.local import WORKER_THREADS, local_records
from inksight.pipelines.batch.outputs import (
    OUTPUT_SUFFIXES,
    atomic_write,
    journal_results,
    result_of,
    write_records,
)
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.extras import require

__all__ = ["BatchConfig", "BatchSummary", "run_batch"]

FORMAT = "inksight-batch v1"


@dataclass
class BatchConfig:
    """Where a batch reads and writes, and how it spreads the work."""

    folder: Path = field(metadata={"help": "Folder of scans (searched recursively)."})
    out: Path = field(metadata={"help": "Results file: .jsonl, .csv or .parquet."})
    workers: int | None = field(
        default=None,
        metadata={"help": "Processes (local) or Ray actors, each loading the models once "
                  "(default: 1 locally, every CPU on Ray)."},
    )  # fmt: skip
    backend: Literal["local", "ray"] = field(
        default="local", metadata={"help": "Run here (local) or on Ray."}
    )
    ray_address: str | None = field(
        default=None,
        metadata={"help": "Ray cluster address, e.g. ray://head:10001 or auto "
                  "(default: start a local Ray for this run)."},
    )  # fmt: skip
    force: bool = field(
        default=False, metadata={"help": "Start over: delete earlier results in --out first."}
    )
    retry_failed: bool = field(
        default=False,
        metadata={"help": "Run the files whose record is an error again, replacing those records."},
    )
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})

    def __post_init__(self) -> None:
        self.folder, self.out = Path(self.folder), Path(self.out)
        if self.workers is not None and self.workers < 1:
            raise PipelineError("--workers must be at least 1.")
        if self.backend not in ("local", "ray"):
            raise PipelineError(f"unknown backend {self.backend!r}; choose local or ray.")
        if self.ray_address and self.backend != "ray":
            raise PipelineError("--ray-address needs --backend ray.")
        if self.force and self.retry_failed:
            raise PipelineError("--force starts over, so there is nothing to retry; pass one.")

    @property
    def journal(self) -> Path:
        return self.out if self.out.suffix == ".jsonl" else beside(self.out, ".journal.jsonl")

    @property
    def sidecar(self) -> Path:
        return beside(self.out, ".batch.json")


@dataclass
class BatchSummary:
    """How a batch run went; ``images_per_minute`` counts this run's files over its wall time."""

    folder: str
    out: str
    journal: str
    found: int
    done: int
    failed: int
    skipped: int
    ignored: int
    seconds: float
    startup_seconds: float
    images_per_minute: float
    outputs: list[str] = field(default_factory=list)
    retried: int = 0  # files whose error record was replaced by this run (--retry-failed)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Progress:
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    startup: float = 0.0

    @property
    def per_minute(self) -> float:
        return round(self.done / self.seconds * 60, 2) if self.seconds > 0 else 0.0


def run_batch(
    config: BatchConfig,
    pipeline: PipelineConfig | Callable[[], Pipeline] | None = None,
    on_record: Callable[[dict, int, int], None] | None = None,
) -> BatchSummary:
    """Analyse every image and PDF under ``config.folder`` that the output does not hold yet.

    Args:
        config: Folder, output, workers, backend.
        pipeline: How to build the pipeline: a ``PipelineConfig``, or a picklable function that
            returns a ``Pipeline`` (each worker calls it once).
        on_record: Called as ``on_record(record, done, total)`` with the JSON record after each
            record is on disk (e.g. a web progress bar); ``total`` counts this run's files.

    Raises:
        PipelineError: The folder is missing or holds no scans, the output path is unusable,
            another batch is writing it, or it belongs to another folder's batch (``force``
            overrides).
    """
    folder, out = _check_paths(config)
    inputs, ignored = find_inputs(folder)
    if not inputs:
        raise PipelineError(
            f"{folder} holds no images or PDFs ({', '.join(READABLE_SUFFIXES)}); choose the "
            "folder of scans."
        )
    busy = f"another inksight batch is writing {out}; wait for it or choose another --out."
    # The lock comes before anything is deleted or read: --force must never delete the results
    # of a batch that is still running. It is held until the CSV/Parquet file is written.
    with FileLock(lock_path(config.journal), busy) as lock:
        _claim_output(config, folder, out)
        with Journal(config.journal, lock=lock) as journal:
            _write_sidecar(config.sidecar, folder)
            retried = _drop_failed(journal, inputs) if config.retry_failed else []
            skipped = sum(path in journal.done for path in inputs)
            todo = [path for path in inputs if path not in journal.done]
            progress = _process(config, folder, todo, journal, pipeline, on_record)
            complete = all(path in journal.done for path in inputs)
        outputs = [str(config.journal)]
        if complete and out != config.journal:
            write_records(journal_results(config.journal), out)
            outputs.insert(0, str(out))
    return BatchSummary(
        folder=str(folder),
        out=str(out),
        journal=str(config.journal),
        found=len(inputs),
        done=progress.done,
        failed=progress.failed,
        skipped=skipped,
        ignored=ignored,
        seconds=round(progress.seconds, 3),
        startup_seconds=round(progress.startup, 3),
        images_per_minute=progress.per_minute,
        outputs=outputs,
        retried=len(retried),
    )


def _drop_failed(journal: Journal, inputs: list[str]) -> list:
    """Take the error records of files still in the folder out of the journal, so they run again.

    A file that is gone keeps its error record: there is nothing to run again.
    """
    present = set(inputs)

    def failed_here(record: dict) -> bool:
        result = result_of(record, journal.path)
        return not result.ok and result.path in present

    return journal.drop(failed_here)


def _process(
    config: BatchConfig,
    folder: Path,
    todo: list[str],
    journal: Journal,
    pipeline: PipelineConfig | Callable[[], Pipeline] | None,
    on_record: Callable[[dict, int, int], None] | None,
) -> _Progress:
    """Run the files through a backend, journalling each record as it arrives."""
    from tqdm import tqdm

    progress = _Progress()
    if not todo:
        return progress
    start = time.perf_counter()
    if config.backend == "ray":
        from inksight.pipelines.batch.ray_records import ray_records

        results = ray_records(_factory(pipeline), folder, todo, config.workers, config.ray_address)
    else:
        workers = min(config.workers or 1, len(todo))
        results = local_records(_factory(pipeline), folder, todo, workers)
    bar = tqdm(
        total=len(todo), unit="file", desc="analysing", disable=not config.progress, smoothing=0.1
    )
    try:
        for result in results:
            record = result.to_dict()
            journal.append(record)
            progress.done += 1
            progress.failed += not result.ok
            if progress.done == 1:
                progress.startup = time.perf_counter() - start
            bar.set_postfix(failed=progress.failed, refresh=False)
            bar.update()
            if on_record is not None:
                on_record(record, progress.done, len(todo))
    finally:
        bar.close()
        results.close()  # stops the workers now, also on Ctrl-C
    progress.seconds = time.perf_counter() - start
    return progress


def _factory(pipeline: PipelineConfig | Callable[[], Pipeline] | None) -> Callable[[], Pipeline]:
    if callable(pipeline):
        return pipeline
    config = pipeline or PipelineConfig()
    if config.model is None:
        from inksight.pipelines.train.default_model import ensure_default_model

        # Resolve (or train) the default model once here, not in every worker at the same time.
        config = replace(config, model=ensure_default_model())
    if config.threads is None:
        # A batch scales with processes, one core each: several engines each sized for the whole
        # machine fight over it (measured: 2x slower), and the same thread count in every run
        # keeps records identical whatever the number of workers.
        config = replace(config, threads=WORKER_THREADS)
    return partial(Pipeline.from_config, config)


def _check_paths(config: BatchConfig) -> tuple[Path, Path]:
    folder = config.folder.expanduser()
    if not folder.exists():
        raise PipelineError(f"folder {folder} does not exist; check the path.")
    if not folder.is_dir():
        raise PipelineError(f"{folder} is a file, not a folder; give the folder of scans.")
    out = config.out.expanduser()
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise PipelineError(
            f"--out {out} has an unknown extension; end it with {', '.join(OUTPUT_SUFFIXES)}."
        )
    if out.suffix.lower() == ".parquet":  # refused now, not when the results are written
        require("parquet", "--out .parquet")
    if config.backend == "ray":
        require("ray", "--backend ray")
    if not out.parent.is_dir():
        raise PipelineError(f"the folder of --out {out} does not exist; create {out.parent} first.")
    if out.is_dir():
        raise PipelineError(f"--out {out} is a folder; give a file name such as results.jsonl.")
    return folder.resolve(), out


def _claim_output(config: BatchConfig, folder: Path, out: Path) -> None:
    """Start over (``force``), or refuse to mix results of two folders in one output.

    Called with the lock held, and only once the folder is known to hold scans: results are
    never deleted for nothing, nor under a running batch.
    """
    if config.force:
        for path in (config.journal, config.sidecar, out):
            path.unlink(missing_ok=True)
    sidecar = config.sidecar
    if sidecar.is_file():
        try:
            owner = json.loads(sidecar.read_text())["folder"]
        except (ValueError, KeyError, TypeError):
            owner = None
        if owner != str(folder):
            raise PipelineError(
                f"{config.out} holds results for {owner or 'another batch'}, not {folder}; use "
                "--force to start over or choose another --out."
            )
        return
    for path in {config.journal, config.out}:
        if path.exists() and path.stat().st_size > 0:
            raise PipelineError(
                f"{path} exists and was not written by this batch; use --force to overwrite it "
                "or choose another --out."
            )


def _write_sidecar(sidecar: Path, folder: Path) -> None:
    if sidecar.is_file():
        return
    meta = {"format": FORMAT, "folder": str(folder), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    atomic_write(sidecar, lambda handle: handle.write(json.dumps(meta, indent=2) + "\n"))
