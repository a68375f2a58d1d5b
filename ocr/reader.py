"""The one image reader: path, bytes, file object or PIL image in, RGB page images out.

Nothing else in Inksight opens image files. Every page comes back as an RGB ``PIL.Image`` with its
EXIF rotation applied; multi-page TIFFs and PDFs give one image per page, animations their first
frame. The pixel count is checked from the header before anything is decoded, so a decompression
bomb costs nothing. Problems become ``OcrError`` with one sentence; a bad page among good ones
becomes a warning instead, so it never loses the others.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from inksight.ocr.errors import OcrError

__all__ = [
    "MAX_PIXELS",
    "PDF_DPI",
    "READABLE_SUFFIXES",
    "ImageSource",
    "read_image",
    "read_pages",
    "read_pages_checked",
]

MAX_PIXELS = 120_000_000  # a 108 MP phone photo fits; a 20,000 x 20,000 bomb (400 MP) does not
PDF_DPI = 200  # enough for handwriting; scanned PDFs are usually 150-300 dpi
# File name endings of what this reader reads: the batch and the web's uploads pick files by them.
READABLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".pdf")

ImageSource = str | Path | bytes | bytearray | BinaryIO | Image.Image


def read_image(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Read the first page of an image or PDF as an RGB image (see ``read_pages``)."""
    return read_pages(source, max_pixels=max_pixels)[0]


def read_pages(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> list[Image.Image]:
    """Read every page of an image or PDF as RGB images, EXIF rotation applied.

    Args:
        source: A file path, the file's bytes, an open binary file, or a PIL image.
        max_pixels: Largest page (width x height) accepted, checked before decoding.

    Returns:
        One RGB image per page (a single image gives a list of one).

    Raises:
        OcrError: The source is missing, empty, not an image or PDF, too large, corrupt, or
            password-protected.
    """
    pages, _ = read_pages_checked(source, max_pixels=max_pixels)
    return pages


def read_pages_checked(
    source: ImageSource, *, max_pixels: int = MAX_PIXELS, min_side: int | None = None
) -> tuple[list[Image.Image], list[str]]:
    """Like ``read_pages`` but also returns warnings about pages that were skipped.

    Args:
        min_side: When given, a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (far faster for a
            12 MP photo) as long as its longest side stays at least ``min_side``. Each page's
            ``info["scale"]`` then says how much smaller it is than the file (1.0 otherwise).
    """
    if isinstance(source, Image.Image):
        _check_size(source.size, max_pixels, "the image")
        return [_normalise(source)], []
    data, name = _read_bytes(source)
    if data.lstrip()[:5] == b"%PDF-":
        return _read_pdf(data, name, max_pixels)
    return _read_raster(data, name, max_pixels, min_side)


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
            "give a path, bytes, a binary file or a PIL image."
        )
    if not data:
        raise OcrError(f"{name} is empty (0 bytes); choose a photo, scan or PDF of the review.")
    return data, name


def _read_raster(
    data: bytes, name: str, max_pixels: int, min_side: int | None = None
) -> tuple[list[Image.Image], list[str]]:
    try:
        with warnings.catch_warnings():
            # We enforce our own limit below; Pillow's own bomb check would only warn first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        # Pillow refuses before decoding too; report it in our own words.
        found = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise OcrError(
            f"{name} has {size}, more than the {max_pixels:,} allowed; scale it down before reading."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise OcrError(
            f"{name} is not an image or PDF Inksight can read; use PNG, JPEG, TIFF, WebP or PDF."
        ) from None
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
    pages, skipped = [], []
    for index, frame in enumerate(frames):
        try:
            _check_size(frame.size, max_pixels, f"page {index + 1} of {name}")
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
    return pages, skipped


def _read_pdf(data: bytes, name: str, max_pixels: int) -> tuple[list[Image.Image], list[str]]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise OcrError(
                f"{name} is password-protected; remove the password and try again."
            ) from None
        raise OcrError(f"{name} is a corrupt PDF ({_short(error)}); re-export it.") from None
    pages, skipped = [], []
    try:
        if len(document) == 0:
            raise OcrError(f"{name} is a PDF without pages; export the review again.")
        for index in range(len(document)):
            try:
                page = document[index]
                width, height = page.get_size()  # points, 1/72 inch
                scale = PDF_DPI / 72
                # Big pages render at a lower resolution instead of being refused.
                scale = min(scale, (max_pixels / max(width * height, 1.0)) ** 0.5)
                bitmap = page.render(scale=scale)
                pages.append(_normalise(bitmap.to_pil()))
            except (pdfium.PdfiumError, OSError, ValueError) as error:
                skipped.append(
                    f"page {index + 1} of {name} could not be rendered ({_short(error)})."
                )
    finally:
        document.close()
    if not pages:
        raise OcrError(f"no page of {name} could be rendered; re-export the PDF.")
    return pages, skipped


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
