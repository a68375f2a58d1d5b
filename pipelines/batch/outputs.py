"""Results files: records to .jsonl, .csv or .parquet and back, the same records in every format.

``write_records`` is the one writer (``inksight batch`` exports its journal with it, the web app
writes its downloads with it); ``read_records`` reads any of the three back as the JSON records.
CSV and Parquet hold ``ReviewResult.to_row()`` rows in ``ROW_COLUMNS``. Files are written beside
and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from inksight.pipelines.batch.journal import beside
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.record import FLOAT_COLUMNS, ROW_COLUMNS, ReviewResult

__all__ = [
    "OUTPUT_SUFFIXES",
    "atomic_write",
    "journal_results",
    "read_records",
    "result_of",
    "write_records",
]

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
PARQUET_CHUNK = 1024  # rows per Parquet row group: memory stays flat however long the journal


def write_records(results: Iterable[ReviewResult], out: Path) -> None:
    """Write ``results`` to ``out`` (.jsonl, .csv or .parquet, by its suffix), streaming."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".jsonl":

        def write_jsonl(handle: IO[str]) -> None:
            for result in results:
                handle.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")

        atomic_write(out, write_jsonl)
    elif suffix == ".csv":

        def write_csv(handle: IO[str]) -> None:
            writer = csv.DictWriter(handle, fieldnames=ROW_COLUMNS)
            writer.writeheader()
            writer.writerows(result.to_row() for result in results)

        atomic_write(out, write_csv, newline="")
    elif suffix == ".parquet":
        _write_parquet((result.to_row() for result in results), out)
    else:
        raise PipelineError(f"{out} has an unknown extension; use {', '.join(OUTPUT_SUFFIXES)}.")


def journal_results(journal: Path) -> Iterator[ReviewResult]:
    """The records of a batch journal (or any .jsonl output), one at a time."""
    with open(journal, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield result_of(json.loads(line), journal)


def result_of(record: dict, journal: Path) -> ReviewResult:
    """``ReviewResult.from_dict``, with one sentence for a record that was edited out of shape."""
    try:
        return ReviewResult.from_dict(record)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise PipelineError(
            f"{journal} holds a record that is not a batch record ({str(record)[:80]}); fix or "
            "delete that line, or use --force to start over."
        ) from None


def read_records(path: str | Path) -> list[dict]:
    """Read a batch output back (.jsonl, .csv or .parquet) as the records the journal holds."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return [ReviewResult.from_row(row).to_dict() for row in csv.DictReader(handle)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
        return [ReviewResult.from_row(row).to_dict() for row in rows]
    raise PipelineError(f"{path} is not a batch output (.jsonl, .csv or .parquet).")


def _write_parquet(rows: Iterable[dict], out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(name, pa.float64() if name in FLOAT_COLUMNS else pa.string()) for name in ROW_COLUMNS]
    )
    temporary = beside(out, ".tmp")
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


def atomic_write(
    path: Path, write: Callable[[IO[str]], object], newline: str | None = None
) -> None:
    """Write a text file beside ``path``, sync it and rename it over ``path``."""
    temporary = beside(path, ".tmp")
    with open(temporary, "w", encoding="utf-8", newline=newline) as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
