"""The one image reader: every input form, every page, and one clear sentence for bad input."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from inksight.ocr import MAX_PIXELS, OcrError, read_image, read_pages
from inksight.ocr.synth import blank_pdf


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
    from_array = read_image(np.asarray(_ink_image()))  # a notebook's numpy image
    from_grey = read_image(np.asarray(_ink_image().convert("L")))
    for image in (from_path, from_str, from_bytes, from_file, from_pil, from_array, from_grey):
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


def test_an_array_that_is_not_an_image_is_one_sentence():
    with pytest.raises(OcrError, match="must be uint8, H x W or H x W x 3 .* float64, 40 x 120"):
        read_image(np.zeros((40, 120)))
    with pytest.raises(OcrError, match="this one is uint8, 4 x 40 x 120"):
        read_image(np.zeros((4, 40, 120), np.uint8))  # channels first


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


# --- limits: pages and pixels per document, decided before anything is rendered -------------------


def _blank_pdf(pages: int, size: tuple[float, float] = (100, 140)) -> bytes:
    return blank_pdf(pages, size)  # small pages: the limits, not the rendering, are under test


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts PDF pages rendered (the costly step a page limit must skip)."""
    import pypdfium2 as pdfium

    rendered: list[int] = []
    original = pdfium.PdfPage.render

    def render(page, *args, **kwargs):
        rendered.append(1)
        return original(page, *args, **kwargs)

    monkeypatch.setattr(pdfium.PdfPage, "render", render)
    return rendered


def test_a_pdf_over_the_page_limit_gives_its_first_pages_and_says_so(renders):
    from inksight.ocr.reader import read_pages_checked

    pages, warnings = read_pages_checked(_blank_pdf(7), max_pages=3)
    read = list(pages)

    assert len(read) == 3 and len(renders) == 3  # pages 4..7 were never rendered
    assert warnings == [
        "only the first 3 of 7 pages of the image were read: the limit is 3 pages per document "
        "(change it with --max-pages)."
    ]


def test_read_limits_reach_a_reader_called_without_them(renders):
    from inksight.ocr.reader import read_limits, read_pages_checked

    with read_limits(max_pages=2):
        limited, warnings = read_pages_checked(_blank_pdf(5))  # as an OCR engine calls it
    unlimited, _ = read_pages_checked(_blank_pdf(5))

    assert len(limited) == 2 and "first 2 of 5" in warnings[0]
    assert len(unlimited) == 5


def test_pages_past_the_pixels_per_document_stop_before_they_are_decoded(renders):
    from inksight.ocr.reader import read_limits, read_pages_checked

    # 72 pt pages at 200 dpi render 200 x 200 = 40,000 pixels each: two fit in 100,000.
    with read_limits(max_document_pixels=100_000):
        pages, warnings = read_pages_checked(_blank_pdf(4, (72, 72)))
        frames = [Image.new("RGB", (200, 200), "white") for _ in range(4)]
        tiff = _png_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])
        tiff_pages, tiff_warnings = read_pages_checked(tiff)

    assert len(list(pages)) == 2 and len(renders) == 2
    assert "first 2 of 4 pages" in warnings[0] and "100,000 pixels per document" in warnings[0]
    assert len(tiff_pages) == 2 and "100,000 pixels per document" in tiff_warnings[0]


def test_a_first_page_over_the_pixels_per_document_is_refused_in_one_sentence():
    from inksight.ocr.reader import read_limits

    with read_limits(max_document_pixels=1_000), pytest.raises(OcrError) as caught:
        read_pages(_png_bytes(_ink_image((120, 40))))

    assert "4,800 pixels, more than the 1,000 allowed per document" in str(caught.value)
    _assert_one_sentence(caught.value)


def test_the_first_page_of_a_long_pdf_is_the_only_one_rendered(renders):
    from inksight.ocr.reader import read_first_page

    page, count = read_first_page(_blank_pdf(50))

    assert count == 50 and len(renders) == 1
    assert page.mode == "RGB" and page.width > 100


def test_pdf_pages_are_rendered_one_at_a_time_as_they_are_read(renders):
    from inksight.ocr.reader import read_pages_checked

    pages, _ = read_pages_checked(_blank_pdf(6))
    seen = []
    for page in pages:
        seen.append(len(renders))
        del page

    assert seen == [1, 2, 3, 4, 5, 6]  # each page rendered when reached, not all up front


def test_a_time_limit_stops_handing_out_pages_and_says_so(renders):
    from inksight.ocr.reader import read_limits, read_pages_checked

    with read_limits(max_seconds=0.2):
        pages, warnings = read_pages_checked(_blank_pdf(30))
    read = []
    for page in pages:
        read.append(page)
        time.sleep(0.1)  # the OCR of one page

    assert 2 <= len(read) <= 4 and len(renders) == len(read)
    assert f"only the first {len(read)} of 30 pages" in warnings[-1]
    assert "0.2 s of reading per document" in warnings[-1]


def test_a_poster_sized_pdf_page_renders_at_the_size_the_reader_works_at():
    from inksight.ocr.reader import read_pages_checked

    huge = _blank_pdf(1, (14_400, 14_400))  # 200 x 200 inches: 120 MP at full size
    (full,), _ = read_pages_checked(huge)
    (small,), _ = read_pages_checked(huge, min_side=100)

    assert small.size == (200, 200) and full.width > 10_000
    assert small.info["scale"] == pytest.approx(small.width / full.width, rel=1e-3)
