"""The one image reader: path, bytes, file object or PIL image in, RGB page images out.

Nothing else in Inksight opens image files. Every page comes back as an RGB ``PIL.Image`` with its
EXIF rotation applied; multi-page TIFFs and PDFs give one image per page, animations their first
frame. Phone photos read like JPEGs: HEIC/HEIF through pillow-heif (registered with Pillow when the
first one arrives; libheif turns it upright as it decodes), AVIF through Pillow itself. The pixel
count is checked from the header before anything is decoded, so a decompression bomb costs
nothing. Problems become ``OcrError`` with one sentence; a bad page among good ones becomes a
warning instead, so it never loses the others.

A document is bounded before it is decoded: at most ``max_pages`` pages are read (the rest are
never rendered) and their pixels together stay under ``max_document_pixels``, checked from each
page's size first; what was left out is a warning. The limits come from the call, or from
``read_limits(...)`` around it (how ``Pipeline`` hands its ``--max-pages`` to an engine that calls
this reader). PDF pages render one at a time, when the reader of the pages reaches them, each page
and bitmap closed at once; a time limit stops handing out pages. ``release_memory`` hands freed
pages back to the system after a big read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import io
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from inksight.ocr.errors import OcrError

__all__ = [
    "MAX_DOCUMENT_PIXELS",
    "MAX_PIXELS",
    "PDF_DPI",
    "READABLE_SUFFIXES",
    "ImageSource",
    "ReadLimits",
    "open_phone_formats",
    "page_count",
    "read_first_page",
    "read_image",
    "read_limits",
    "read_pages",
    "read_pages_checked",
    "release_memory",
]

MAX_PIXELS = 120_000_000  # a 108 MP phone photo fits; a 20,000 x 20,000 bomb (400 MP) does not
# All pages of one document together: one 108 MP photo, or about 38 letter pages at 200 dpi.
# As RGB that is 450 MB, the most one document may hold in memory at once.
MAX_DOCUMENT_PIXELS = 150_000_000
PDF_DPI = 200  # enough for handwriting; scanned PDFs are usually 150-300 dpi
# File name endings of what this reader reads: the batch and the web's uploads pick files by them.
READABLE_SUFFIXES = (
    *(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif"),
    *(".heic", ".heif", ".avif"),  # phone photos: iPhones save HEIC, some Androids AVIF
    ".pdf",
)
# The "ftyp" brands of HEIF images (ISO base media files) that pillow-heif reads; AVIF's
# brands Pillow reads itself.
_HEIF_BRANDS = (
    *(b"heic", b"heix", b"heim", b"heis"),  # HEVC stills (iPhone photos)
    *(b"hevc", b"hevx", b"hevm", b"hevs"),  # HEVC sequences (bursts)
    *(b"mif1", b"msf1"),  # any HEIF image or sequence
)

# An array is an RGB(A) or grey image as numpy holds it (uint8); OpenCV's BGR reads near enough.
ImageSource = str | Path | bytes | bytearray | BinaryIO | Image.Image | np.ndarray


@dataclass(frozen=True)
class ReadLimits:
    """How much of one document the reader decodes."""

    max_pages: int | None = None  # None: every page
    max_pixels: int = MAX_PIXELS  # one page, width x height
    max_document_pixels: int = MAX_DOCUMENT_PIXELS  # all pages read together
    max_seconds: float | None = None  # PDF pages are handed out until then (None: no limit)


# A context variable, not a global: each request (thread or task) of a server has its own limits.
_LIMITS: ContextVar[ReadLimits] = ContextVar("inksight_read_limits", default=ReadLimits())  # noqa: B039 - frozen


@contextmanager
def read_limits(
    *,
    max_pages: int | None = None,
    max_pixels: int | None = None,
    max_document_pixels: int | None = None,
    max_seconds: float | None = None,
) -> Iterator[ReadLimits]:
    """Within the ``with`` block, every read uses these limits (None keeps the current one).

    ``Pipeline`` wraps its OCR engine's read in this, so the engine needs no option of its own.
    """
    current = _LIMITS.get()
    changes = {
        "max_pages": max_pages if max_pages is not None else current.max_pages,
        "max_pixels": max_pixels or current.max_pixels,
        "max_document_pixels": max_document_pixels or current.max_document_pixels,
        "max_seconds": max_seconds if max_seconds is not None else current.max_seconds,
    }
    token = _LIMITS.set(replace(current, **changes))
    try:
        yield _LIMITS.get()
    finally:
        _LIMITS.reset(token)


def release_memory() -> None:
    """Hand the memory a big read freed back to the system (glibc keeps it otherwise).

    glibc serves buffers of a few MB (a rendered page) from its heap and keeps them after they
    are freed, so a server's memory would stay at its largest request's peak. No-op elsewhere.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache  # find_library runs ldconfig: once per process is enough
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


def read_image(source: ImageSource, *, max_pixels: int | None = None) -> Image.Image:
    """Read the first page of an image or PDF as an RGB image (only that page is decoded)."""
    return read_pages_checked(source, max_pixels=max_pixels, max_pages=1)[0][0]


def read_first_page(source: ImageSource, min_side: int | None = None) -> tuple[Image.Image, int]:
    """The first page (the only one decoded) and how many pages the document has.

    With ``min_side``, a big PDF page or JPEG comes at about that size (``info["scale"]``
    says how much smaller than the page the OCR read): enough to show it.
    """
    source = _as_image(source)
    if isinstance(source, Image.Image):
        return read_image(source), 1
    data, name = _read_bytes(source)
    pages, _ = read_pages_checked(_Named(data, name), max_pages=1, min_side=min_side)
    return pages[0], page_count(data)


def page_count(source: ImageSource) -> int:
    """How many pages an image or PDF has, from its structure (nothing is rendered)."""
    if isinstance(source, Image.Image | np.ndarray):
        return 1
    data, _ = _read_bytes(source)
    try:
        if _is_pdf(data):
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(data)
            try:
                return len(document)
            finally:
                document.close()
        with Image.open(io.BytesIO(data)) as image:
            return getattr(image, "n_frames", 1) if image.format in {"TIFF", "MPO"} else 1
    except Exception:  # noqa: BLE001 - a count is for display; reading reports the problem
        return 1


def read_pages(source: ImageSource, *, max_pixels: int | None = None) -> list[Image.Image]:
    """Read the pages of an image or PDF as RGB images, EXIF rotation applied.

    Args:
        source: A file path, the file's bytes, an open binary file, a PIL image or a numpy
            array (uint8 grey, RGB or RGBA).
        max_pixels: Largest page (width x height) accepted, checked before decoding (default:
            the current ``read_limits``, ``MAX_PIXELS``).

    Returns:
        One RGB image per page (a single image gives a list of one).

    Raises:
        OcrError: The source is missing, empty, not an image or PDF, too large, corrupt, or
            password-protected.
    """
    pages, _ = read_pages_checked(source, max_pixels=max_pixels)
    return list(pages)


def read_pages_checked(
    source: ImageSource,
    *,
    max_pixels: int | None = None,
    min_side: int | None = None,
    max_pages: int | None = None,
) -> tuple[Sequence[Image.Image], list[str]]:
    """Like ``read_pages`` but also returns warnings about pages that were skipped or left out.

    A PDF's pages come back as a sequence that renders each page when it is reached and keeps
    none but the first (go through them once, in order); its ``warnings`` list may grow while
    they are read (a time limit reached).

    Args:
        min_side: When given, a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (far faster for a
            12 MP photo) as long as its longest side stays at least ``min_side``. Each page's
            ``info["scale"]`` then says how much smaller it is than the file (1.0 otherwise).
        max_pages: Read at most this many pages (default: the current ``read_limits``); the
            pages after them are never decoded, and a warning says so.
    """
    limits = _LIMITS.get()
    limits = replace(
        limits,
        max_pixels=max_pixels or limits.max_pixels,
        max_pages=max_pages or limits.max_pages,
    )
    source = _as_image(source)
    if isinstance(source, Image.Image):
        _check_size(source.size, limits.max_pixels, "the image")
        return [_normalise(source)], []
    data, name = _read_bytes(source)
    if _is_pdf(data):
        return _read_pdf(data, name, limits, min_side)
    return _read_raster(data, name, limits, min_side)


def _as_image(source: ImageSource) -> ImageSource:
    """A numpy array as a PIL image (H x W grey, H x W x 3 RGB or x 4 RGBA, uint8); anything
    else as it is."""
    if not isinstance(source, np.ndarray):
        return source
    shape_ok = source.ndim == 2 or (source.ndim == 3 and source.shape[2] in (3, 4))
    if source.dtype != np.uint8 or not shape_ok:
        raise OcrError(
            f"an image array must be uint8, H x W or H x W x 3 (RGB) or 4 (RGBA); this one is "
            f"{source.dtype}, {' x '.join(map(str, source.shape))}."
        )
    return Image.fromarray(source)


def _is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip()[:5] == b"%PDF-"


class _Named(io.BytesIO):
    """Bytes already read, keeping the file's name for messages."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def _read_bytes(source: ImageSource) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), "the image"
    elif isinstance(source, str | Path):
        path = Path(source)
        name = path.name
        if not path.is_file():
            raise OcrError(f"{path} does not exist or is not a file; check the path.")
        data = path.read_bytes()
    elif hasattr(source, "read"):
        data = source.read()
        name = Path(getattr(source, "name", "the image")).name
        if not isinstance(data, bytes | bytearray):
            raise OcrError(f"{name} was opened in text mode; open it in binary mode ('rb').")
        data = bytes(data)
    else:
        raise OcrError(
            f"cannot read an image from a {type(source).__name__}; "
            "give a path, bytes, a binary file, a PIL image or a numpy array."
        )
    if not data:
        raise OcrError(f"{name} is empty (0 bytes); choose a photo, scan or PDF of the review.")
    return data, name


class _DocumentBudget:
    """Pages and pixels left for one document; what was left out becomes one warning."""

    def __init__(self, limits: ReadLimits, name: str, total_pages: int) -> None:
        self.limits = limits
        self.name = name
        self.total_pages = total_pages
        self.pixels = 0
        self.read = 0
        self.stopped: str | None = None

    def admits(self, index: int, size: tuple[int, int]) -> bool:
        """Whether page ``index`` (0-based) of ``size`` pixels may be decoded; False stops."""
        max_pages = self.limits.max_pages
        if max_pages is not None and index >= max_pages:
            self.stopped = (
                f"only the first {max_pages} of {self.total_pages} pages of {self.name} were "
                f"read: the limit is {max_pages} pages per document (change it with --max-pages)."
            )
            return False
        pixels = size[0] * size[1]
        budget = self.limits.max_document_pixels
        if self.pixels + pixels > budget:
            if self.read == 0:
                raise OcrError(
                    f"page {index + 1} of {self.name} has {pixels:,} pixels, more than the "
                    f"{budget:,} allowed per document; scale it down before reading."
                )
            self.stopped = (
                f"only the first {index} of {self.total_pages} pages of {self.name} were read: "
                f"together they reach the limit of {budget:,} pixels per document (send the "
                "other pages as another file, or scan at a lower resolution)."
            )
            return False
        self.pixels += pixels
        self.read += 1
        return True

    def warnings(self) -> list[str]:
        return [self.stopped] if self.stopped else []


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


@functools.cache  # once per process; False when pillow-heif is not installed
def _heif_opener() -> bool:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    Image.init()  # Pillow's own plugins first: an AVIF branded "mif1" still goes to its AVIF reader
    register_heif_opener()
    return True


def open_phone_formats() -> bool:
    """Let Pillow itself open HEIC/HEIF from now on (for code that opens images before this
    reader does, such as a web form's image box); False when pillow-heif is not installed."""
    return _heif_opener()


def _open_raster(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Open (not decode) an image file: its header gives the size and format."""
    if _is_heif(data) and not _heif_opener():
        raise OcrError(
            f"{name} is a HEIC/HEIF photo and pillow-heif is not installed; "
            "run `pip install pillow-heif`, or save the photo as JPEG."
        )
    try:
        with warnings.catch_warnings():
            # We enforce our own limit below; Pillow's own bomb check would only warn first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        # Pillow refuses before decoding too; report it in our own words.
        found = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise OcrError(
            f"{name} has {size}, more than the {max_pixels:,} allowed; scale it down before reading."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        if _is_heif(data):
            raise OcrError(
                f"{name} is a truncated or corrupt HEIC/HEIF photo; re-save or re-export it."
            ) from None
        raise OcrError(
            f"{name} is not an image or PDF Inksight can read; "
            "use PNG, JPEG, HEIC, AVIF, TIFF, WebP or PDF."
        ) from None


def _read_raster(
    data: bytes, name: str, limits: ReadLimits, min_side: int | None = None
) -> tuple[list[Image.Image], list[str]]:
    max_pixels = limits.max_pixels
    image = _open_raster(data, name, max_pixels)
    _check_size(image.size, max_pixels, name)
    full_width = image.width
    if min_side and image.format == "JPEG" and max(image.size) > 2 * min_side:
        # JPEG decodes straight to a smaller size by dropping DCT coefficients: no full decode.
        longest = max(image.size)
        image.draft(
            image.mode, (image.width * min_side // longest, image.height * min_side // longest)
        )

    # A multi-page TIFF is a document; other formats with several frames are animations.
    is_document = image.format in {"TIFF", "MPO"} and getattr(image, "n_frames", 1) > 1
    frames = ImageSequence.Iterator(image) if is_document else [image]
    budget = _DocumentBudget(limits, name, getattr(image, "n_frames", 1) if is_document else 1)
    pages, skipped = [], []
    for index, frame in enumerate(frames):
        try:
            _check_size(frame.size, max_pixels, f"page {index + 1} of {name}")
            if not budget.admits(index, frame.size):  # checked from the header: not decoded
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame.load()
            page = _normalise(frame)
            page.info["scale"] = frame.width / full_width if frame.width != full_width else 1.0
            pages.append(page)
        except OcrError as error:
            if not is_document:
                raise
            skipped.append(str(error))
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            if not is_document:
                raise OcrError(
                    f"{name} is truncated or corrupt ({_short(error)}); re-save or re-export it."
                ) from None
            skipped.append(f"page {index + 1} of {name} is corrupt and was skipped.")
    if not pages:
        raise OcrError(f"no page of {name} could be read ({'; '.join(skipped)}).")
    return pages, skipped + budget.warnings()


def _read_pdf(
    data: bytes, name: str, limits: ReadLimits, min_side: int | None = None
) -> tuple[_PdfPages, list[str]]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise OcrError(
                f"{name} is password-protected; remove the password and try again."
            ) from None
        raise OcrError(f"{name} is a corrupt PDF ({_short(error)}); re-export it.") from None
    if len(document) == 0:
        document.close()
        raise OcrError(f"{name} is a PDF without pages; export the review again.")
    # Which pages to read and at what scale, decided from their sizes alone: nothing is rendered
    # past the page limit or the document's pixel budget.
    budget = _DocumentBudget(limits, name, len(document))
    plan, skipped = [], []
    for index in range(len(document)):
        try:
            width, height = document.get_page_size(index)  # points, 1/72 inch
        except (pdfium.PdfiumError, OSError, ValueError) as error:
            skipped.append(f"page {index + 1} of {name} could not be read ({_short(error)}).")
            continue
        # Big pages render at a lower resolution instead of being refused.
        full = min(PDF_DPI / 72, (limits.max_pixels / max(width * height, 1.0)) ** 0.5)
        # A reader that works at ``min_side`` gets no more than twice that, as a JPEG's draft:
        # a poster-sized page renders at 13 MP instead of 120 (the lines map back by "scale").
        scale = min(full, 2 * min_side / max(width, height, 1.0)) if min_side else full
        if not budget.admits(index, (max(1, round(width * scale)), max(1, round(height * scale)))):
            break
        plan.append((index, scale, scale / full))
    warnings = skipped + budget.warnings()
    return _PdfPages(document, data, plan, name, warnings, limits.max_seconds), warnings


class _PdfPages(Sequence):
    """The pages of a PDF, each rendered when it is reached and not kept: a reader going through
    them holds one page at a time. The first page is rendered at once, so a PDF none of whose
    pages renders fails when it is read. With ``max_seconds``, pages are no longer handed out
    once that much time has passed since the read began (the first always is), and a warning is
    added to ``warnings``, the list the reader returned with these pages."""

    def __init__(
        self,
        document,
        data: bytes,
        plan: list[tuple[int, float, float]],
        name: str,
        warnings: list[str],
        max_seconds: float | None,
    ) -> None:
        self._document, self._data, self._name = document, data, name
        self._warnings = warnings
        self._deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        self._max_seconds = max_seconds
        self._plan = []
        self._first: Image.Image | None = None
        for position, (index, scale, shrunk) in enumerate(plan):
            page = self._render_or_warn(index, scale, shrunk)
            if page is not None:
                self._first, self._plan = page, plan[position:]
                break
        if self._first is None:
            document.close()
            raise OcrError(f"no page of {name} could be rendered; re-export the PDF.")

    def __len__(self) -> int:
        return len(self._plan)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        if position == 0:
            return self._first
        return _render_pdf_page(self._document, *self._plan[position])

    def __iter__(self) -> Iterator[Image.Image]:
        yield self._first
        for position, (index, scale, shrunk) in enumerate(self._plan[1:], start=1):
            if self._deadline is not None and time.perf_counter() > self._deadline:
                self._warnings.append(
                    f"only the first {position} of {len(self._plan)} pages of {self._name} were "
                    f"read: the limit here is {self._max_seconds:g} s of reading per document "
                    "(`inksight analyze FILE` on your own machine has none)."
                )
                return
            page = self._render_or_warn(index, scale, shrunk)
            if page is not None:
                yield page

    def _render_or_warn(self, index: int, scale: float, shrunk: float) -> Image.Image | None:
        import pypdfium2 as pdfium

        try:
            return _render_pdf_page(self._document, index, scale, shrunk)
        except (pdfium.PdfiumError, OSError, ValueError) as error:
            self._warnings.append(
                f"page {index + 1} of {self._name} could not be rendered ({_short(error)})."
            )
            return None


def _render_pdf_page(document, index: int, scale: float, shrunk: float = 1.0) -> Image.Image:
    """Render one page; its pdfium page and bitmap are closed at once, so a long document never
    holds more than one page's native memory. ``info["scale"]`` is ``shrunk``: how much smaller
    than the page read without ``min_side`` it is."""
    page = document[index]
    try:
        bitmap = page.render(scale=scale)
        try:
            image = bitmap.to_pil()
            # An RGB page is already PIL's own copy (only 4-byte and grey bitmaps share pdfium's
            # buffer), upright and opaque: another copy of a 120 MP page would cost 360 MB.
            image = image if image.mode == "RGB" else _normalise(image)
            image.info["scale"] = shrunk
            return image
        finally:
            bitmap.close()
    finally:
        page.close()


def _check_size(size: tuple[int, int], max_pixels: int, name: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise OcrError(
            f"{name} has {width * height:,} pixels ({width} x {height}), more than the "
            f"{max_pixels:,} allowed; scale it down before reading."
        )


def _normalise(image: Image.Image) -> Image.Image:
    """Return an RGB copy, upright, with transparency flattened onto white paper."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        image = _to_8bit(image)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in {"RGBA", "LA", "PA", "RGBa", "La"}:
        # Ink on a transparent background would otherwise turn black-on-black.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    """Stretch a 16-bit or float image to 0..255 (``convert`` would clip it to white)."""
    pixels = np.asarray(image, dtype=np.float64)
    low, high = float(pixels.min()), float(pixels.max())
    scaled = (pixels - low) / (high - low) * 255 if high > low else np.zeros_like(pixels)
    return Image.fromarray(scaled.astype(np.uint8), mode="L")


def _short(error: BaseException) -> str:
    text = str(error).strip().rstrip(".") or type(error).__name__
    return text[:120]
