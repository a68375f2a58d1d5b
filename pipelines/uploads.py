"""Files a person uploads to the web app: the page an analysis read, and batch uploads (files and
zips) expanded to a list of files, refusing unsafe zip members.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from inksight.ocr.reader import READABLE_SUFFIXES
from inksight.pipelines.errors import PipelineError

__all__ = ["IMAGE_SUFFIXES", "Upload", "expand_uploads", "first_page"]

IMAGE_SUFFIXES = READABLE_SUFFIXES  # what the image reader reads, named once in inksight.ocr.reader
MAX_ZIP_FILES = 1000  # a batch from the web page; bigger jobs belong to `inksight batch`
MAX_ZIP_BYTES = 500 * 1024 * 1024  # uncompressed, so a zip bomb stops before it fills the disk


def first_page(source: Any) -> tuple[Any, int]:
    """The first page of an image or PDF as the OCR saw it (EXIF rotation applied), and the
    number of pages."""
    from inksight.ocr.reader import read_pages

    pages = read_pages(source)
    return pages[0], len(pages)


@dataclass
class Upload:
    """Batch input after unpacking: the files to analyse (path on disk, name shown) and the
    records of what was skipped and why."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def expand_uploads(paths: Sequence[str | Path], work_dir: str | Path) -> Upload:
    """Turn uploaded files and zips into the files to analyse.

    Zip members are extracted into ``work_dir`` one by one after checks: absolute paths, paths
    that climb out with ``..``, links and anything that is not an image or PDF are skipped with
    a record; too many members or too many bytes refuse the whole zip.

    Raises:
        PipelineError: nothing was uploaded.
    """
    if not paths:
        raise PipelineError("no files were given; add images, PDFs or a zip of them.")
    upload = Upload()
    work_dir = Path(work_dir)
    for number, raw in enumerate(paths):
        path = Path(raw)
        name = path.name
        if path.suffix.lower() == ".zip":
            _expand_zip(path, work_dir / f"zip{number}", upload)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            upload.files.append((path, name))
        else:
            upload.skipped.append(_skip(name, "not an image or PDF"))
    return upload


def _expand_zip(path: Path, dest: Path, upload: Upload) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        upload.skipped.append(_skip(path.name, "not a readable zip file"))
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        total = sum(m.file_size for m in members)
        if len(members) > MAX_ZIP_FILES or total > MAX_ZIP_BYTES:
            upload.skipped.append(
                _skip(
                    path.name,
                    f"holds {len(members)} files, {total / 1e6:.0f} MB unpacked; the web page "
                    f"takes at most {MAX_ZIP_FILES} files and {MAX_ZIP_BYTES // 2**20} MB per zip "
                    "(use `inksight batch FOLDER` for more)",
                )
            )
            return
        for member in members:
            shown = f"{path.name}/{member.filename}"
            problem = _unsafe_member(member)
            if problem:
                upload.skipped.append(_skip(shown, problem))
                continue
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue  # hidden and system files, as `inksight batch` skips them
            if PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
                upload.skipped.append(_skip(shown, "not an image or PDF"))
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as out:
                out.write(source.read(MAX_ZIP_BYTES + 1))
            upload.files.append((target, shown))


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
