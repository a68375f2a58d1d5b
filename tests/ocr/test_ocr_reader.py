"""The one image reader: every input form, every page, and one clear sentence for bad input."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from inksight.ocr import MAX_PIXELS, OcrError, read_image, read_pages


def _png_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _ink_image(size=(120, 40)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    image.paste((0, 0, 0), (10, 10, 30, 30))
    return image


def test_path_bytes_file_and_pil_give_the_same_rgb_page(tmp_path):
    path = tmp_path / "review.png"
    _ink_image().save(path)
    from_path = read_image(path)
    from_str = read_image(str(path))
    from_bytes = read_image(path.read_bytes())
    with open(path, "rb") as handle:
        from_file = read_image(handle)
    from_pil = read_image(Image.open(path))
    for image in (from_path, from_str, from_bytes, from_file, from_pil):
        assert image.mode == "RGB"
        assert image.size == (120, 40)
        assert np.array_equal(np.asarray(image), np.asarray(from_path))


def test_exif_rotation_is_applied():
    image = _ink_image((120, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    page = read_image(_png_bytes(image, "JPEG", exif=exif))
    assert page.size == (40, 120)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "LA", "1"])
def test_any_mode_becomes_rgb_with_ink_still_dark(mode):
    page = read_image(_png_bytes(_ink_image().convert(mode), "TIFF" if mode == "CMYK" else "PNG"))
    pixels = np.asarray(page)
    assert page.mode == "RGB"
    assert pixels[20, 20].max() < 60 and pixels[5, 100].min() > 200


def test_transparent_background_becomes_white_paper():
    image = Image.new("RGBA", (60, 30), (0, 0, 0, 0))  # transparent black
    image.paste((0, 0, 255, 255), (10, 10, 20, 20))
    pixels = np.asarray(read_image(_png_bytes(image)))
    assert pixels[2, 2].tolist() == [255, 255, 255]
    assert pixels[15, 15].tolist() == [0, 0, 255]


def test_sixteen_bit_grayscale_keeps_its_contrast():
    values = np.full((30, 60), 60000, dtype=np.uint16)
    values[10:20, 10:20] = 1000
    page = np.asarray(read_image(Image.fromarray(values)))
    assert page[15, 15].max() < 30 and page[2, 2].min() > 225


def test_multipage_tiff_gives_every_page_and_gif_only_its_first_frame():
    frames = [Image.new("RGB", (50, 20), color) for color in ("white", "black", "gray")]
    tiff = _png_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages = read_pages(tiff)
    assert [np.asarray(p)[0, 0, 0] for p in pages] == [255, 0, 128]
    gif = _png_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert len(read_pages(gif)) == 1


def test_pdf_pages_are_rendered_one_image_each():
    pages = [Image.new("RGB", (200, 100), "white"), Image.new("RGB", (200, 100), "black")]
    pdf = _png_bytes(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)
    rendered = read_pages(pdf)
    assert len(rendered) == 2
    assert rendered[0].width > 200  # rendered at more than 72 dpi
    assert np.asarray(rendered[0]).mean() > 250 and np.asarray(rendered[1]).mean() < 5


def _assert_one_sentence(error: OcrError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message
    assert message.endswith(".")


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a picture")
    with pytest.raises(OcrError, match="not an image") as caught:
        read_pages(path)
    _assert_one_sentence(caught.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(OcrError, match="empty") as caught:
        read_pages(path)
    _assert_one_sentence(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(OcrError, match="does not exist"):
        read_pages(tmp_path / "nope.jpg")


def test_truncated_jpeg():
    data = _png_bytes(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG")
    with pytest.raises(OcrError, match="truncated or corrupt") as caught:
        read_pages(data[: len(data) // 2])
    _assert_one_sentence(caught.value)


def test_huge_image_is_refused_before_decoding():
    # A 20,000 x 20,000 PNG compresses to a few hundred KB; decoding it would take 1.2 GB.
    data = _png_bytes(Image.new("1", (20_000, 20_000), 1), optimize=False)
    start = time.perf_counter()
    with pytest.raises(OcrError, match="400,000,000 pixels") as caught:
        read_pages(data)
    assert time.perf_counter() - start < 2.0
    assert f"{MAX_PIXELS:,}" in str(caught.value)
    _assert_one_sentence(caught.value)


def _encrypted_pdf() -> bytes:
    """A one-page PDF behind the standard security handler with an unknown password."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <"
        + b"11" * 32
        + b"> /U <"
        + b"22" * 32
        + b"> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, b"ab" * 16, b"ab" * 16, xref)
    )
    return out.getvalue()


def test_password_protected_pdf():
    with pytest.raises(OcrError, match="password-protected") as caught:
        read_pages(_encrypted_pdf())
    _assert_one_sentence(caught.value)


def test_corrupt_pdf():
    with pytest.raises(OcrError, match="corrupt PDF") as caught:
        read_pages(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    _assert_one_sentence(caught.value)


def test_one_bad_tiff_page_does_not_lose_the_others():
    from inksight.ocr.reader import read_pages_checked

    frames = [Image.new("RGB", (50, 20), color) for color in ("white", "black")]
    good = _png_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    # Cut the file inside the second page's pixel data.
    broken = good[: len(good) - 1500]
    pages, warnings = read_pages_checked(broken)
    assert len(pages) == 1 and np.asarray(pages[0]).mean() > 250
    assert warnings and "page 2" in warnings[0]
