"""The scans of a batch: every file under a folder the image reader can read, in a fixed order."""

from __future__ import annotations

import os
from pathlib import Path

from inksight.ocr.reader import READABLE_SUFFIXES

__all__ = ["SYSTEM_NAMES", "find_inputs", "is_hidden"]

# Folders and files that operating systems leave behind; never reviews.
SYSTEM_NAMES = frozenset(
    {"__MACOSX", "Thumbs.db", "desktop.ini", "$RECYCLE.BIN", "System Volume Information"}
)


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
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        for name in sorted(files):
            if is_hidden(name):
                continue
            if Path(name).suffix.lower() in READABLE_SUFFIXES:
                found.append(Path(root, name).relative_to(folder).as_posix())
            else:
                ignored += 1
    return sorted(found), ignored


def is_hidden(name: str) -> bool:
    """True for dot files and the operating systems' own files and folders."""
    return name.startswith(".") or name in SYSTEM_NAMES
