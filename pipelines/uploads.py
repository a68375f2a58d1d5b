"""Files a person uploads to the web app: the page an analysis read, and batch uploads (files and
zips) expanded to a list of files, refusing unsafe zip members.

One request unpacks at most ``max_files`` files and ``max_bytes`` bytes in all, whatever the
number of zips (counted as written, so a member that lies about its size stops at the limit).
Each member is unpacked on its own under a name of ours (``member3.png``), never its own path, so
odd names (300 characters, ``x.jpg`` beside ``x.jpg/y.jpg``) cannot clash or escape; a member that
cannot be unpacked (bad CRC, encrypted, unsupported compression) becomes one skipped record and
the rest of the request goes on.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from inksight.ocr.reader import MAX_DOCUMENT_PIXELS, MAX_PIXELS, READABLE_SUFFIXES
from inksight.pipelines.errors import PipelineError

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_DOCUMENT_PIXELS",
    "MAX_PIXELS",
    "MAX_UNPACKED_BYTES",
    "MAX_UNPACKED_FILES",
    "Upload",
    "expand_uploads",
    "first_page",
    "open_phone_formats",
    "read_limits",
    "release_memory",
]

IMAGE_SUFFIXES = READABLE_SUFFIXES  # what the image reader reads, named once in inksight.ocr.reader
MAX_UNPACKED_FILES = 1000  # per request; bigger jobs belong to `inksight batch`
MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # per request, so zip bombs stop before they fill the disk
CHUNK = 1024 * 1024  # bytes copied at a time while unpacking
# What a damaged member raises while it is read: bad CRC / truncated data (BadZipFile, zlib.error,
# EOFError), encrypted (RuntimeError), unknown compression (NotImplementedError).
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    OSError,
    ValueError,
)


def first_page(source: Any, min_side: int | None = None) -> tuple[Any, int]:
    """The first page of an image or PDF as the OCR saw it (EXIF rotation applied), and the
    number of pages. Only the first page is decoded, however long the document; with
    ``min_side`` a big page comes smaller (its ``info["scale"]`` says how much)."""
    from inksight.ocr.reader import read_first_page

    return read_first_page(source, min_side)


def read_limits(**limits: Any) -> AbstractContextManager:
    """The reader's limits for the reads inside a ``with`` block (see ``inksight.ocr.reader``):
    ``max_pages``, ``max_pixels``, ``max_document_pixels``, ``max_seconds``."""
    from inksight.ocr.reader import read_limits as limited

    return limited(**limits)


def open_phone_formats() -> None:
    """HEIC/HEIF photos open anywhere in this process, the web app's image box included."""
    from inksight.ocr.reader import open_phone_formats as register

    register()


def release_memory() -> None:
    """Give the memory a big read freed back to the system (see ``inksight.ocr.reader``)."""
    from inksight.ocr.reader import release_memory as release

    release()


@dataclass
class Upload:
    """Batch input after unpacking: the files to analyse (path on disk, name shown) and the
    records of what was skipped and why."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    unpacked_bytes: int = 0
    unpacked_files: int = 0


@dataclass
class _Budget:
    """What is left of the request's limits (``files``, ``bytes``) and the limits themselves."""

    files: int
    bytes: int
    max_files: int
    max_bytes: int


def expand_uploads(
    paths: Sequence[str | Path],
    work_dir: str | Path,
    *,
    max_files: int = MAX_UNPACKED_FILES,
    max_bytes: int = MAX_UNPACKED_BYTES,
) -> Upload:
    """Turn uploaded files and zips into the files to analyse.

    Zip members are extracted into ``work_dir`` one by one after checks: absolute paths, paths
    that climb out with ``..``, links, damaged members and anything that is not an image or PDF
    are skipped with a record; members past the request's ``max_files``/``max_bytes`` too.

    Raises:
        PipelineError: nothing was uploaded.
    """
    if not paths:
        raise PipelineError("no files were given; add images, PDFs or a zip of them.")
    upload = Upload()
    budget = _Budget(max_files, max_bytes, max_files, max_bytes)
    work_dir = Path(work_dir)
    for number, raw in enumerate(paths):
        path = Path(raw)
        name = path.name
        if path.suffix.lower() == ".zip":
            _expand_zip(path, work_dir / f"zip{number}", upload, budget)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            upload.files.append((path, name))
        else:
            upload.skipped.append(_skip(name, "not an image or PDF"))
    upload.unpacked_files = max_files - budget.files
    upload.unpacked_bytes = max_bytes - budget.bytes
    return upload


def _expand_zip(path: Path, dest: Path, upload: Upload, budget: _Budget) -> None:
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        upload.skipped.append(_skip(path.name, "not a readable zip file"))
        return
    with archive:
        for index, member in enumerate(members):
            shown = f"{path.name}/{member.filename}"
            problem = _unsafe_member(member)
            if problem:
                upload.skipped.append(_skip(shown, problem))
                continue
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue  # hidden and system files, as `inksight batch` skips them
            suffix = PurePosixPath(parts[-1]).suffix.lower() if parts else ""
            if suffix not in IMAGE_SUFFIXES:
                upload.skipped.append(_skip(shown, "not an image or PDF"))
                continue
            if budget.files <= 0 or member.file_size > budget.bytes:
                upload.skipped.append(_skip(shown, _over_budget(budget)))
                continue
            target = dest / f"member{index}{suffix}"  # our name: nothing in the zip's can clash
            problem = _unpack(archive, member, target, budget)
            if problem:
                upload.skipped.append(_skip(shown, problem))
            else:
                upload.files.append((target, shown))


def _unpack(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: _Budget
) -> str | None:
    """Copy one member to ``target`` in chunks, at most the bytes left; None or the problem."""
    written = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > budget.bytes:  # the header lied about the size
                    raise _OverBudget
                out.write(chunk)
    except _OverBudget:
        target.unlink(missing_ok=True)
        budget.bytes = 0  # what is left of the request is refused too: the zip is hostile
        return _over_budget(budget)
    except DAMAGED as error:
        target.unlink(missing_ok=True)
        return f"damaged or unreadable inside the zip ({_why(error)})"
    budget.files -= 1
    budget.bytes -= written
    return None


class _OverBudget(Exception):
    pass


def _over_budget(budget: _Budget) -> str:
    return (
        f"not unpacked: one request unpacks at most {budget.max_files} files and "
        f"{budget.max_bytes / 2**20:g} MB (send the rest in another request, or use "
        "`inksight batch FOLDER` for more)"
    )


def _why(error: BaseException) -> str:
    text = str(error).strip().rstrip(".")
    if "encrypted" in text.lower() or "password" in text.lower():
        return "it is encrypted"
    if "crc" in text.lower():
        return "its checksum is wrong"
    return (text or type(error).__name__)[:100]


def _unsafe_member(member: zipfile.ZipInfo) -> str | None:
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "refused: an absolute path inside the zip"
    if ".." in PurePosixPath(name).parts:
        return "refused: a path that climbs out of the zip's folder (../)"
    if (member.external_attr >> 16) & 0o170000 == 0o120000:
        return "refused: a symbolic link inside the zip"
    return None


def _skip(name: str, why: str) -> dict:
    return {"path": name, "error": f"skipped: {why}."}
