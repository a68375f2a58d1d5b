"""Synthetic handwriting: the images match their truth file, boxes hold the ink, seeds repeat."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inksight.ocr.errors import OcrError
from inksight.ocr.fonts import HELD_OUT_FONTS, TUNING_FONTS, find_fonts, select_fonts
from inksight.ocr.reader import read_image
from inksight.ocr.synth import (
    BLANKS,
    EXAMPLE_REVIEWS,
    clean_review_text,
    render_blank,
    render_text,
    series_blank,
    write_dataset,
)
from inksight.pipelines.assets import font_dirs

TEXTS = [text for text, _label in EXAMPLE_REVIEWS]


@pytest.fixture(scope="module")
def fonts() -> dict[str, Path]:
    """Two handwriting fonts, or any TrueType font when the handwriting fonts are not installed."""
    found = find_fonts(font_dirs())
    chosen = select_fonts(found, ["caveat", "kalam"])
    if not chosen:
        chosen = dict(sorted((n, p) for n, p in found.items() if p.suffix == ".ttf")[:1])
    if not chosen:
        pytest.skip("no font files found: run scripts/install_fonts.sh")
    return chosen


def _gray(image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def _inside(box: list[list[float]], shape: tuple[int, int]) -> np.ndarray:
    """Mask of the pixels inside a convex quadrilateral box."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    inside = np.ones(shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(box, box[1:] + box[:1], strict=True):
        inside &= (x1 - x0) * (ys - y0) - (y1 - y0) * (xs - x0) >= -1.5 * np.hypot(x1 - x0, y1 - y0)
    return inside


def test_held_out_fonts_are_never_tuning_fonts():
    assert len(HELD_OUT_FONTS) >= 4
    assert not set(HELD_OUT_FONTS) & set(TUNING_FONTS)


def test_dataset_matches_its_truth_file(tmp_path, fonts):
    records = write_dataset(
        tmp_path, TEXTS, fonts, 4, kinds=("line", "page"), styles=("clean", "photo"), seed=5
    )
    lines = (tmp_path / "truth.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == records
    assert {r["kind"] for r in records} == {"line", "page"}
    assert {r["font"] for r in records} == set(fonts)
    source_words = set(" ".join(clean_review_text(t) for t in TEXTS).split())
    for record in records:
        image = read_image(tmp_path / record["image"])
        width, height = image.size
        assert record["text"] == "\n".join(line["text"] for line in record["lines"])
        assert set(record["text"].split()) <= source_words
        if record["kind"] == "line":
            assert len(record["lines"]) == 1
        for line in record["lines"]:
            assert len(line["box"]) == 4
            assert all(0 <= x <= width and 0 <= y <= height for x, y in line["box"])
    pages = [r for r in records if r["kind"] == "page"]
    assert max(len(r["lines"]) for r in pages) >= 2  # a page is word-wrapped into lines


def test_line_boxes_hold_all_the_ink_of_a_clean_page(fonts):
    font, path = next(iter(fonts.items()))
    text = " ".join(TEXTS[:3])
    sample = render_text(text, font, path, kind="page", style="clean", seed=11)
    gray = _gray(sample.image)
    ink = gray < 110  # ink is far darker than paper and its ruled lines
    covered = np.zeros(gray.shape, dtype=bool)
    for line in sample.lines:
        covered |= _inside([list(p) for p in line.box], gray.shape)
    assert len(sample.lines) >= 3
    assert ink.sum() > 1000
    assert (ink & covered).sum() / ink.sum() > 0.995
    assert " ".join(sample.text.split()) == clean_review_text(text)


def test_line_boxes_follow_the_photo_geometry(fonts):
    font, path = next(iter(fonts.items()))
    for seed in range(3):
        sample = render_text(TEXTS[seed], font, path, kind="line", style="photo", seed=seed)
        gray = _gray(sample.image)
        darkest = gray <= np.quantile(gray, 0.01)  # ink stays darkest under shadows and blur
        inside = _inside([list(p) for p in sample.lines[0].box], gray.shape)
        assert (darkest & inside).sum() / darkest.sum() > 0.95


def test_same_seed_gives_the_same_image_and_another_seed_does_not(tmp_path, fonts):
    first = write_dataset(tmp_path / "a", TEXTS, fonts, 2, styles=("photo",), seed=3)
    again = write_dataset(tmp_path / "b", TEXTS, fonts, 2, styles=("photo",), seed=3)
    other = write_dataset(tmp_path / "c", TEXTS, fonts, 2, styles=("photo",), seed=4)
    assert first == again
    for a, b, c in zip(first, again, other, strict=True):
        same = (tmp_path / "a" / a["image"]).read_bytes()
        assert same == (tmp_path / "b" / b["image"]).read_bytes()
        assert same != (tmp_path / "c" / c["image"]).read_bytes()


def _corner_spread(image) -> float:
    """How much the four corners of an image differ in brightness (medians of corner patches)."""
    gray = _gray(image)
    k = max(4, gray.shape[0] // 20)
    corners = [gray[:k, :k], gray[:k, -k:], gray[-k:, :k], gray[-k:, -k:]]
    return float(np.ptp([np.median(c) for c in corners]))


def test_photo_style_looks_unlike_a_clean_scan(fonts):
    font, path = next(iter(fonts.items()))
    clean, photo = [], []
    for seed in range(3):
        scan = render_text(TEXTS[0], font, path, kind="page", style="clean", seed=seed)
        shot = render_text(TEXTS[0], font, path, kind="page", style="photo", seed=seed)
        assert scan.text == shot.text
        clean.append(_corner_spread(scan.image))
        photo.append(_corner_spread(shot.image))
    # A scan is evenly lit paper; a photo shows the table, uneven light and shadows.
    assert max(clean) < 5
    assert np.mean(photo) > 15


def test_review_text_is_made_writable():
    raw = "Godard's <br /><br />Masculin, f\u00e9minin \u2014 \u201cgreat\u201d \U0001f600 film"
    assert clean_review_text(raw) == 'Godard\'s Masculin, feminin - "great" film'


def test_no_fonts_is_a_clear_error(tmp_path):
    with pytest.raises(OcrError, match="install_fonts"):
        write_dataset(tmp_path, TEXTS, {}, 1)


def test_blank_images_hold_nothing_that_looks_like_ink():
    assert {"white", "lined", "squared", "white-photo", "noise", "wall"} <= set(BLANKS)
    for kind in ("white", "lined", "squared"):  # clean paper: rules are light, never ink-dark
        assert _gray(render_blank(kind, seed=1)).min() > 110
    assert render_blank("wall", seed=3).tobytes() == render_blank("wall", seed=3).tobytes()
    desk = render_blank("desk-photo", seed=2)  # a sheet or sticky note among things on a desk
    assert desk.tobytes() == render_blank("desk-photo", seed=2).tobytes()
    assert np.ptp(_gray(desk)) > 100  # not one flat colour: the desk, its objects, the sheet
    with pytest.raises(OcrError, match="Unknown blank image kind"):
        render_blank("mirror")


def test_a_blank_series_shows_every_kind_and_another_seed_other_images():
    """The benchmarks' blank sets: any len(BLANKS) blanks in a row hold each kind once."""
    kinds = [series_blank(n, seed=700)[0] for n in range(3, 3 + len(BLANKS))]
    assert sorted(kinds) == sorted(BLANKS)
    kind, image = series_blank(4, seed=700)
    assert image.tobytes() == series_blank(4, seed=700)[1].tobytes()
    assert image.tobytes() != series_blank(4, seed=800)[1].tobytes()
