"""The journal: an append-only JSONL file of keyed records that survives ``kill -9``.

Each record is one whole JSON line, flushed and fsync'ed before the next, so a crash loses at most
the line being written; opening the journal again cuts off that torn last line and collects the
keys already recorded (``done``), so the caller does only the rest. Every write happens under an
exclusive lock on ``<journal>.lock`` (``filelock``: flock on Linux and macOS, LockFileEx on
Windows; the system drops it when the process dies, even by ``kill -9``), never on the journal
itself: that lock would be lost the moment somebody deleted or replaced the journal (``--force``),
and two writers would then each hold "the" lock. ``inksight batch`` keeps the lock for its whole
run (a second batch on the same output is refused); the lab's cell store takes it for each cell
(it waits).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path

from inksight.pipelines.errors import PipelineError

__all__ = ["FileLock", "Journal", "beside", "lock_path", "record_path"]


def beside(path: Path, suffix: str) -> Path:
    """``results.csv`` -> ``results.csv<suffix>``: a file that belongs to ``path``."""
    return path.with_name(path.name + suffix)


def lock_path(journal: Path) -> Path:
    return beside(Path(journal), ".lock")


class FileLock:
    """An exclusive lock on ``path`` (created if need be), held until ``close``.

    Args:
        path: The lock file.
        busy: The sentence raised when another process holds the lock (and ``wait`` is off).
        wait: Block until the lock is free instead of refusing.

    Raises:
        PipelineError: Another process holds the lock (``busy``).
    """

    def __init__(self, path: Path, busy: str, *, wait: bool = False) -> None:
        import filelock  # here, not at the top: `inksight --help` imports this module

        self.path = Path(path)
        # thread_local=False: the lock belongs to this object, whichever thread closes it.
        self._lock: filelock.BaseFileLock | None = filelock.FileLock(self.path, thread_local=False)
        try:
            self._lock.acquire(timeout=-1 if wait else 0)
        except filelock.Timeout:
            self._lock = None
            raise PipelineError(busy) from None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def record_path(record: dict) -> Hashable:
    """The key of a batch record: the file it is about."""
    return record["path"]


class Journal:
    """Append-only JSONL of keyed records: one whole line per record, on disk before the next.

    Args:
        path: The JSONL file (created if missing).
        key: The record's key (``record_path`` for a batch); a key is recorded at most once.
        kind: What a record is, for the error on a line that is not one (e.g. "batch record").
        lock: A lock the caller already holds on ``lock_path(path)`` (it stays the caller's to
            close); None takes it here and releases it on ``close``.
        wait: When taking the lock here, wait for it instead of refusing.

    Raises:
        PipelineError: Another process holds the lock, or a line is not a record.
    """

    def __init__(
        self,
        path: Path,
        *,
        key: Callable[[dict], Hashable] = record_path,
        kind: str = "batch record",
        lock: FileLock | None = None,
        wait: bool = False,
    ) -> None:
        self.path = Path(path)
        self.kind = kind
        self._key = key
        busy = f"another inksight run is writing {self.path}; wait for it or choose another output."
        self._own_lock = lock is None
        self._lock = lock or FileLock(lock_path(self.path), busy, wait=wait)
        try:
            self._file = open(self.path, "a+b")  # noqa: SIM115 - held open for the whole run
            self.done: set[Hashable] = self._recover()
        except BaseException:
            self.close()
            raise

    def _recover(self) -> set[Hashable]:
        done: set[Hashable] = set()
        self._file.seek(0)
        offset = 0
        for line in self._file:
            if not line.endswith(b"\n"):
                # Torn by a crash mid-write: drop it; that record is simply made again.
                self._file.truncate(offset)
                self._sync()
                break
            offset += len(line)
        done.update(self._key(record) for _, record in self._lines())
        return done

    def _lines(self) -> Iterator[tuple[bytes, dict]]:
        """Each whole line and its record, from the start of the file."""
        with open(self.path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    hash(self._key(record))  # a record without a usable key is not a record
                except (ValueError, KeyError, TypeError):
                    raise PipelineError(
                        f"line {number} of {self.path} is not a {self.kind}; fix or delete that "
                        "line, or delete the file to start over."
                    ) from None
                yield line, record

    def records(self) -> Iterator[dict]:
        """Every record, in the order they were written."""
        for _, record in self._lines():
            yield record

    def append(self, record: dict) -> bool:
        """Write ``record`` and sync it; False (nothing written) if its key is recorded already."""
        key = self._key(record)
        if key in self.done:
            return False  # exactly once, even if a backend were to deliver a record twice
        self._file.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self._sync()
        self.done.add(key)
        return True

    def drop(self, unwanted: Callable[[dict], bool]) -> list[Hashable]:
        """Remove the records ``unwanted`` picks and forget their keys; their keys, in order.

        The journal is rewritten beside and renamed over the old one, so a crash leaves the old
        file or the new one, never a mix: the records kept are never at risk.
        """
        dropped: list[Hashable] = []
        temporary = beside(self.path, ".tmp")
        try:
            with open(temporary, "wb") as out:
                for line, record in self._lines():
                    if unwanted(record):
                        dropped.append(self._key(record))
                    else:
                        out.write(line)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:  # the journal stays as it was
            temporary.unlink(missing_ok=True)
            raise
        if not dropped:
            temporary.unlink()
            return dropped
        self._file.close()  # Windows cannot rename over an open file
        os.replace(temporary, self.path)
        self._file = open(self.path, "a+b")  # noqa: SIM115
        self.done.difference_update(dropped)
        return dropped

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if getattr(self, "_file", None) is not None:
            self._file.close()
        if self._own_lock:
            self._lock.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
