"""Phone photos: an iPhone's HEIC and an AVIF read like the same photo saved as JPEG."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from font_helpers import installed_font
from PIL import Image, features

from inksight.ocr import OcrError, build_engine, read_image
from inksight.ocr import reader as reader_module
from inksight.ocr.metrics import cer
from inksight.ocr.synth import render_text
from inksight.pipelines.batch.inputs import find_inputs
from inksight.pipelines.ocr_jobs import resolve_fonts
from inksight.pipelines.uploads import expand_uploads

pillow_heif = pytest.importorskip("pillow_heif")
pillow_heif.register_heif_opener()  # to write HEIC here; the reader registers it by itself
ORIENTATION = 0x0112  # EXIF tag; 6 = "rotate 90 degrees clockwise to display"
needs_avif = pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF")


def _encoded(image: Image.Image, fmt: str, orientation: int | None = None) -> bytes:
    options = {"quality": 90}
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def line() -> tuple[Image.Image, str]:
    """A handwritten line (synthetic, a clean scan) and its text. Seed 1: a line the engine reads
    the same from the lossless PNG (seed 0's "loved" is a coin toss between "l" and "L")."""
    name = installed_font("patrick-hand", "kalam", "caveat", "dejavusans")
    path = resolve_fonts([name])[name]
    sample = render_text("What a wonderful film, I loved it", name, path, kind="line", seed=1)
    return sample.image, sample.text


@pytest.fixture(scope="module")
def engine():
    return build_engine("rapidocr")


@pytest.mark.real_assets  # rapidocr's shipped ONNX models
@pytest.mark.parametrize("fmt", ["HEIF", pytest.param("AVIF", marks=needs_avif)])
def test_a_handwritten_line_reads_the_same_as_its_jpeg(line, engine, fmt, tmp_path):
    image, truth = line
    jpeg = engine.read(_encoded(image, "JPEG")).text
    assert cer(truth, jpeg) <= 0.15  # the JPEG itself is read (nearly) right
    photo = tmp_path / f"review.{'heic' if fmt == 'HEIF' else 'avif'}"
    photo.write_bytes(_encoded(image, fmt))
    assert engine.read(photo).text == jpeg


@pytest.mark.real_assets
def test_a_heic_taken_sideways_is_turned_upright_like_the_jpeg(line, engine):
    image, _ = line
    stored = image.transpose(
        Image.Transpose.ROTATE_90
    )  # the sensor's pixels, as a phone keeps them
    jpeg = read_image(_encoded(stored, "JPEG", orientation=6))
    heic = read_image(_encoded(stored, "HEIF", orientation=6))
    assert heic.size == jpeg.size == image.size  # upright: as wide as the line, not as tall
    difference = np.abs(np.asarray(heic, float) - np.asarray(jpeg, float)).mean()
    assert difference < 6  # the same picture, up to compression
    assert engine.read(heic).text == engine.read(jpeg).text


@needs_avif
def test_an_avif_taken_sideways_is_turned_upright():
    stored = Image.new("RGB", (200, 80), "white")
    stored.paste((0, 0, 0), (10, 10, 60, 60))
    assert read_image(_encoded(stored, "AVIF", orientation=6)).size == (80, 200)


def test_a_fresh_process_reads_a_heic_without_registering_anything(line, tmp_path):
    path = tmp_path / "IMG_0005.heic"
    path.write_bytes(_encoded(line[0], "HEIF"))
    code = "import sys\nfrom inksight.ocr import read_image\nprint(read_image(sys.argv[1]).size)"
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(line[0].size)


def test_after_the_app_opens_phone_formats_pillow_itself_opens_a_heic(line, tmp_path):
    # The web app's image box hands the upload to Pillow before Inksight's reader sees it.
    path = tmp_path / "IMG_0006.heic"
    path.write_bytes(_encoded(line[0], "HEIF"))
    code = (
        "import sys\nfrom PIL import Image\n"
        "from inksight.pipelines.uploads import open_phone_formats\n"
        "open_phone_formats()\nprint(Image.open(sys.argv[1]).size)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(line[0].size)


@pytest.mark.parametrize("keep", [0.5, 0.03], ids=["cut-in-the-pixels", "cut-in-the-header"])
def test_a_corrupt_heic_is_one_sentence(line, tmp_path, keep):
    data = _encoded(line[0], "HEIF")
    path = tmp_path / "IMG_0001.heic"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(OcrError) as caught:
        read_image(path)
    message = str(caught.value)
    assert message.startswith("IMG_0001.heic is ") and "truncated or corrupt" in message
    assert message.endswith("; re-save or re-export it.") and "\n" not in message


def test_without_pillow_heif_a_heic_says_what_to_install(line, monkeypatch):
    monkeypatch.setattr(reader_module, "_heif_opener", lambda: False)
    with pytest.raises(OcrError, match=r"HEIC/HEIF photo and pillow-heif is not installed; run"):
        read_image(_encoded(line[0], "HEIF"))


def test_batches_and_web_uploads_take_heic_and_avif_photos(tmp_path):
    for name in ("IMG_0001.HEIC", "IMG_0002.heif", "PXL_0003.avif", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    photos = ["IMG_0001.HEIC", "IMG_0002.heif", "PXL_0003.avif"]
    assert find_inputs(tmp_path) == (photos, 1)  # notes.txt is left out
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        archive.writestr("IMG_0004.heic", b"x")
    upload = expand_uploads([tmp_path / "photos.zip", tmp_path / "PXL_0003.avif"], tmp_path / "u")
    assert [shown for _, shown in upload.files] == ["photos.zip/IMG_0004.heic", "PXL_0003.avif"]
    assert upload.skipped == []
