"""A folder of scans into one results file: every file exactly once, resumable after any crash.

The journal is the truth. Each finished file appends one whole JSON line (the ``ReviewResult``
record, ``path`` relative to the folder), flushed and fsync'ed before the next, so a ``kill -9``
loses at most the line being written; re-running the same command repairs that torn last line,
skips every file already recorded and does the rest. CSV and Parquet outputs are written from the
journal once every file is in it (the journal stays beside them as ``<out>.journal.jsonl``).

A sidecar ``<out>.batch.json`` remembers which folder the results belong to, so a results file is
never silently mixed with another folder's; ``force`` starts over. Work runs in this process, in
``workers`` processes that each load the models once, or on Ray (``inksight.pipelines.batch.ray_records``).
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

from inksight.pipelines.analyze import Pipeline, PipelineConfig, ReviewResult
from inksight.pipelines.errors import PipelineError

__all__ = [
    "INPUT_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "BatchConfig",
    "BatchSummary",
    "Journal",
    "analyze_file",
    "find_inputs",
    "flat_row",
    "read_records",
    "run_batch",
]

FORMAT = "inksight-batch v1"
INPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".pdf")
OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
# Folders and files that operating systems leave behind; never reviews.
SYSTEM_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini", "$RECYCLE.BIN", "System Volume Information"}
FLAT_COLUMNS = (
    "path", "text", "label", "probability", "top_words", "lines", "engine",
    "seconds_ocr", "seconds_nlp", "seconds_total", "warnings", "error",
)  # fmt: skip
WORKER_THREADS = 1  # CPU threads per worker; --workers is how a batch uses more cores
PARQUET_CHUNK = 1024  # rows per Parquet row group: memory stays flat however long the journal


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
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})

    def __post_init__(self) -> None:
        self.folder, self.out = Path(self.folder), Path(self.out)
        if self.workers is not None and self.workers < 1:
            raise PipelineError("--workers must be at least 1.")
        if self.backend not in ("local", "ray"):
            raise PipelineError(f"unknown backend {self.backend!r}; choose local or ray.")
        if self.ray_address and self.backend != "ray":
            raise PipelineError("--ray-address needs --backend ray.")

    @property
    def journal(self) -> Path:
        return self.out if self.out.suffix == ".jsonl" else _beside(self.out, ".journal.jsonl")

    @property
    def sidecar(self) -> Path:
        return _beside(self.out, ".batch.json")


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

    def to_dict(self) -> dict:
        return asdict(self)


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
        on_record: Called as ``on_record(record, done, total)`` after each record is on disk
            (e.g. a web progress bar); ``total`` counts this run's files.

    Raises:
        PipelineError: The folder is missing or holds no scans, the output path is unusable, or
            the output belongs to another folder's batch (``force`` overrides).
    """
    folder, out = _check_paths(config)
    inputs, ignored = find_inputs(folder)
    if not inputs:
        raise PipelineError(
            f"{folder} holds no images or PDFs ({', '.join(INPUT_SUFFIXES)}); choose the folder "
            "of scans."
        )
    if config.force:  # only once the folder is known to hold scans: never lose results for nothing
        for path in (config.journal, config.sidecar, out):
            path.unlink(missing_ok=True)
    _check_owner(config, folder)
    journal = Journal(config.journal)
    try:
        _write_sidecar(config.sidecar, folder)
        skipped = sum(path in journal.done for path in inputs)
        todo = [path for path in inputs if path not in journal.done]
        done, failed, seconds, startup = _process(
            config, folder, todo, journal, pipeline, on_record
        )
        complete = all(path in journal.done for path in inputs)
    finally:
        journal.close()
    outputs = [str(config.journal)]
    if complete and out != config.journal:
        _export(config.journal, out)
        outputs.insert(0, str(out))
    return BatchSummary(
        folder=str(folder),
        out=str(out),
        journal=str(config.journal),
        found=len(inputs),
        done=done,
        failed=failed,
        skipped=skipped,
        ignored=ignored,
        seconds=round(seconds, 3),
        startup_seconds=round(startup, 3),
        images_per_minute=round(done / seconds * 60, 2) if seconds > 0 else 0.0,
        outputs=outputs,
    )


def _process(
    config: BatchConfig,
    folder: Path,
    todo: list[str],
    journal: Journal,
    pipeline: PipelineConfig | Callable[[], Pipeline] | None,
    on_record: Callable[[dict, int, int], None] | None,
) -> tuple[int, int, float, float]:
    """Run the files through a backend, journalling each record as it arrives."""
    from tqdm import tqdm

    start = time.perf_counter()
    startup = 0.0
    done = failed = 0
    if not todo:
        return done, failed, 0.0, 0.0
    if config.backend == "ray":
        from inksight.pipelines.batch.ray_records import ray_records

        records = ray_records(_factory(pipeline), folder, todo, config.workers, config.ray_address)
    else:
        workers = min(config.workers or 1, len(todo))
        records = local_records(_factory(pipeline), folder, todo, workers)
    bar = tqdm(
        total=len(todo), unit="file", desc="analysing", disable=not config.progress, smoothing=0.1
    )
    try:
        for record in records:
            journal.append(record)
            done += 1
            failed += record["error"] is not None
            if done == 1:
                startup = time.perf_counter() - start
            bar.set_postfix(failed=failed, refresh=False)
            bar.update()
            if on_record is not None:
                on_record(record, done, len(todo))
    finally:
        bar.close()
        if hasattr(records, "close"):
            records.close()  # stops the workers now, also on Ctrl-C
    return done, failed, time.perf_counter() - start, startup


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


# --- finding the scans ------------------------------------------------------------------------
def find_inputs(folder: Path) -> tuple[list[str], int]:
    """Images and PDFs under ``folder``, as sorted relative POSIX paths, and the count ignored.

    Hidden and system files are skipped; symlinked folders are followed once (a loop is not).
    """
    folder = Path(folder)
    found: list[str] = []
    ignored = 0
    seen_dirs: set[str] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_dirs:  # a symlink back up the tree: walked already
            dirs[:] = []
            continue
        seen_dirs.add(real)
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for name in sorted(files):
            if _hidden(name):
                continue
            if Path(name).suffix.lower() in INPUT_SUFFIXES:
                found.append(Path(root, name).relative_to(folder).as_posix())
            else:
                ignored += 1
    return sorted(found), ignored


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in SYSTEM_NAMES


# --- one file ---------------------------------------------------------------------------------
def analyze_file(pipeline: Pipeline, folder: Path, relative: str) -> dict:
    """The record of one file; whatever goes wrong becomes its ``error`` (the batch goes on)."""
    try:
        return pipeline.analyze(Path(folder) / relative, path=relative).to_dict()
    except Exception as error:  # noqa: BLE001 - one bad file must never stop a batch
        message = f"unexpected {type(error).__name__} while reading the file: {error}"
        seconds = {"ocr": 0.0, "nlp": 0.0, "total": 0.0}
        return ReviewResult(relative, None, "", None, seconds, [], message).to_dict()


_worker_pipeline: Pipeline | None = None


def _init_worker(factory: Callable[[], Pipeline], threads: int = 1) -> None:
    global _worker_pipeline
    import cv2
    import torch

    # Own session, like a Ray worker: Linux's autogroup scheduler shares CPU between sessions,
    # so in the caller's session N workers would get one process's share on a busy machine.
    # Ctrl-C then reaches only the parent, which stops the pool cleanly.
    os.setsid()
    # A worker whose parent was killed (kill -9) would wait for work forever: exit with it.
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    # One core per worker: thread pools sized for the whole machine in every process fight.
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    _worker_pipeline = factory()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _analyze_in_worker(folder: str, relative: str) -> dict:
    assert _worker_pipeline is not None, "worker started without its initializer"
    return analyze_file(_worker_pipeline, Path(folder), relative)


def local_records(
    factory: Callable[[], Pipeline], folder: Path, todo: list[str], workers: int
) -> Iterator[dict]:
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
                    yield future.result()
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


# --- the journal ------------------------------------------------------------------------------
class Journal:
    """Append-only JSONL of records: one whole line per file, on disk before the next one.

    Opening it takes an exclusive lock (a second batch on the same output is refused), cuts off
    a torn last line left by a crash, and collects the paths already recorded in ``done``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "a+b")  # noqa: SIM115 - held open for the whole batch
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise PipelineError(
                f"another inksight batch is writing {self.path}; wait for it or choose another "
                "--out."
            ) from None
        self.done: set[str] = self._recover()

    def _recover(self) -> set[str]:
        done: set[str] = set()
        self._file.seek(0)
        offset = 0
        for number, line in enumerate(self._file, start=1):
            if not line.endswith(b"\n"):
                # Torn by a crash mid-write: drop it; that file simply runs again.
                self._file.truncate(offset)
                self._sync()
                break
            offset += len(line)
            if not line.strip():
                continue
            try:
                done.add(json.loads(line)["path"])
            except (ValueError, KeyError, TypeError):
                raise PipelineError(
                    f"line {number} of {self.path} is not a batch record; use --force to start "
                    "over or choose another --out."
                ) from None
        return done

    def append(self, record: dict) -> None:
        if record["path"] in self.done:
            return  # exactly once, even if a backend were to deliver a file twice
        self._file.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self._sync()
        self.done.add(record["path"])

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()  # closing releases the lock

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
    if not out.parent.is_dir():
        raise PipelineError(f"the folder of --out {out} does not exist; create {out.parent} first.")
    if out.is_dir():
        raise PipelineError(f"--out {out} is a folder; give a file name such as results.jsonl.")
    return folder.resolve(), out


def _check_owner(config: BatchConfig, folder: Path) -> None:
    """Refuse to mix results of two folders in one output (``force`` starts over instead)."""
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
    _atomic_write(sidecar, lambda handle: handle.write(json.dumps(meta, indent=2) + "\n"))


# --- CSV and Parquet --------------------------------------------------------------------------
def flat_row(record: dict) -> dict:
    """One record as a flat table row: nested fields (lines, top words, warnings) as JSON text."""
    sentiment = record.get("sentiment") or {}
    seconds = record.get("seconds") or {}
    return {
        "path": record["path"],
        "text": record.get("text", ""),
        "label": sentiment.get("label"),
        "probability": sentiment.get("probability"),
        "top_words": json.dumps(sentiment.get("top_words", []), ensure_ascii=False),
        "lines": json.dumps(record.get("lines", []), ensure_ascii=False),
        "engine": record.get("engine"),
        "seconds_ocr": seconds.get("ocr"),
        "seconds_nlp": seconds.get("nlp"),
        "seconds_total": seconds.get("total"),
        "warnings": json.dumps(record.get("warnings", []), ensure_ascii=False),
        "error": record.get("error"),
    }


def _record_from_row(row: dict) -> dict:
    def text(value: object) -> str | None:
        return None if value is None or value == "" else str(value)

    def number(value: object) -> float | None:
        return None if value is None or value == "" else float(value)  # type: ignore[arg-type]

    label = text(row["label"])
    return {
        "path": row["path"],
        "text": row["text"] or "",
        "lines": json.loads(row["lines"]),
        "sentiment": None
        if label is None
        else {
            "label": label,
            "probability": number(row["probability"]),
            "top_words": json.loads(row["top_words"]),
        },
        "engine": text(row["engine"]),
        "seconds": {
            key: number(row[f"seconds_{key}"])
            for key in ("ocr", "nlp", "total")
            if number(row[f"seconds_{key}"]) is not None
        },
        "warnings": json.loads(row["warnings"]),
        "error": text(row["error"]),
    }


def read_records(path: str | Path) -> list[dict]:
    """Read a batch output back (.jsonl, .csv or .parquet) as the records the journal holds."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return [_record_from_row(row) for row in csv.DictReader(handle)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [_record_from_row(row) for row in pq.read_table(path).to_pylist()]
    raise PipelineError(f"{path} is not a batch output (.jsonl, .csv or .parquet).")


def _journal_rows(journal: Path) -> Iterator[dict]:
    with open(journal, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield flat_row(json.loads(line))


def _export(journal: Path, out: Path) -> None:
    """Write the CSV or Parquet file from the journal, streaming, replaced atomically."""
    if out.suffix.lower() == ".csv":

        def write_csv(handle) -> None:
            writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
            writer.writeheader()
            writer.writerows(_journal_rows(journal))

        _atomic_write(out, write_csv, newline="")
    else:
        _write_parquet(_journal_rows(journal), out)


def _write_parquet(rows: Iterable[dict], out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    floats = {"probability", "seconds_ocr", "seconds_nlp", "seconds_total"}
    schema = pa.schema(
        [(name, pa.float64() if name in floats else pa.string()) for name in FLAT_COLUMNS]
    )
    temporary = _beside(out, ".tmp")
    with pq.ParquetWriter(temporary, schema) as writer:
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == PARQUET_CHUNK:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
    os.replace(temporary, out)


def _atomic_write(path: Path, write: Callable, newline: str | None = None) -> None:
    temporary = _beside(path, ".tmp")
    with open(temporary, "w", encoding="utf-8", newline=newline) as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)
