"""The hard tier of synthetic handwriting: repeatable, boxes hold the ink, writing can be small."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inksight.ocr.fonts import find_fonts, select_fonts
from inksight.ocr.synth import EXAMPLE_REVIEWS, render_text, write_dataset
from inksight.pipelines.assets import font_dirs

TEXTS = [text for text, _label in EXAMPLE_REVIEWS]


@pytest.fixture(scope="module")
def script_font() -> tuple[str, Path]:
    """A connected script font of the hard tier (a print hand, or any font, when missing)."""
    found = find_fonts(font_dirs())
    chosen = select_fonts(found, ["dancing-script", "great-vibes", "caveat", "kalam"])
    if not chosen:
        chosen = dict(sorted((n, p) for n, p in found.items() if p.suffix == ".ttf")[:1])
    if not chosen:
        pytest.skip("no font files found: run scripts/install_fonts.sh")
    return next(iter(chosen.items()))


def _gray(image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def _inside(box: list[list[float]], shape: tuple[int, int], slack: float) -> np.ndarray:
    """Mask of the pixels inside a convex box grown by ``slack`` pixels."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    inside = np.ones(shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(box, box[1:] + box[:1], strict=True):
        inside &= (x1 - x0) * (ys - y0) - (y1 - y0) * (xs - x0) >= -slack * np.hypot(
            x1 - x0, y1 - y0
        )
    return inside


def test_same_seed_gives_the_same_hard_photo_and_another_seed_does_not(tmp_path, script_font):
    fonts = dict([script_font])
    options = {"kinds": ("page",), "styles": ("photo",), "tier": "hard"}
    first = write_dataset(tmp_path / "a", TEXTS, fonts, 1, seed=8, **options)
    again = write_dataset(tmp_path / "b", TEXTS, fonts, 1, seed=8, **options)
    other = write_dataset(tmp_path / "c", TEXTS, fonts, 1, seed=9, **options)
    assert first == again
    image = (tmp_path / "a" / first[0]["image"]).read_bytes()
    assert image == (tmp_path / "b" / again[0]["image"]).read_bytes()
    assert image != (tmp_path / "c" / other[0]["image"]).read_bytes()
    # The truth says what was done to the image, so errors can be broken down by it.
    effects = first[0]["effects"]
    assert first[0]["tier"] == "hard"
    assert any(e.startswith("ink=") for e in effects)
    assert any(e.startswith("blur=") for e in effects)


@pytest.mark.parametrize("style", ["clean", "photo"])
def test_hard_line_boxes_hold_the_ink(script_font, style):
    font, path = script_font
    for seed in range(2):
        sample = render_text(
            " ".join(TEXTS[:2]), font, path, kind="page", style=style, seed=seed, tier="hard"
        )
        gray = _gray(sample.image)
        covered = np.zeros(gray.shape, dtype=bool)
        for line in sample.lines:
            covered |= _inside([list(p) for p in line.box], gray.shape, 3)
        # The darkest pixels within an x-height of the lines (the sheet's margins are wider than
        # that, so the table and its clutter stay out): ink, even as pencil under a shadow.
        near = np.zeros(gray.shape, dtype=bool)
        for line in sample.lines:
            near |= _inside([list(p) for p in line.box], gray.shape, 1.2 * sample.x_height)
        dark = near & (gray <= np.quantile(gray[near], 0.03))
        assert len(sample.lines) >= 2
        assert (dark & covered).sum() / dark.sum() > 0.93, (seed, sample.effects)


def test_hard_writing_reaches_a_small_x_height(script_font):
    font, path = script_font
    heights = []
    for seed in range(12):
        sample = render_text(TEXTS[seed % 10], font, path, kind="line", style="photo", seed=seed,
                             tier="hard")  # fmt: skip
        box = np.array(sample.lines[0].box)
        # A line box spans ascenders to descenders: a few x-heights, never a large multiple.
        box_height = np.linalg.norm(box[3] - box[0])
        assert 1.5 * sample.x_height < box_height < 9 * sample.x_height
        heights.append(sample.x_height)
    assert min(heights) < 14
    assert max(heights) > 18  # and not always small: a range, as in real photos


def test_hard_photos_differ_from_the_standard_tier(script_font):
    font, path = script_font
    standard = render_text(TEXTS[0], font, path, kind="page", style="photo", seed=2)
    hard = render_text(TEXTS[0], font, path, kind="page", style="photo", seed=2, tier="hard")
    assert standard.text.split() == hard.text.split()  # the same words, wrapped otherwise
    assert standard.effects == [] and hard.effects
    assert hard.tier == "hard" and standard.tier == "standard"


def test_thinned_strokes_leave_less_ink_in_the_same_place(script_font):
    """``thin`` (development sets of hairline hands) wears the strokes down, nothing else."""
    from inksight.ocr.errors import OcrError

    name, path = script_font
    text = "a hairline hand"
    plain = render_text(text, name, path, kind="line", style="clean", seed=5, tier="hard")
    thin = render_text(text, name, path, kind="line", style="clean", seed=5, tier="hard", thin=0.4)
    assert [line.box for line in thin.lines] == [line.box for line in plain.lines]
    gray_plain, gray_thin = _gray(plain.image), _gray(thin.image)
    ink_plain = gray_plain < np.median(gray_plain) - 30  # darker than the paper
    ink_thin = gray_thin < np.median(gray_thin) - 30
    assert ink_thin.sum() < 0.8 * ink_plain.sum()
    assert (ink_thin & (gray_plain > gray_thin + 10)).sum() == 0  # no ink where there was none
    assert "strokes thinned 0.4" in thin.effects
    with pytest.raises(OcrError, match="hard tier only"):
        render_text(text, name, path, tier="standard", thin=0.4)


def test_a_pointed_pen_swells_downstrokes_and_keeps_joins_as_hairlines():
    """``pointed``: what runs up and down gets wider, what runs across thinner, none of it lost."""
    from inksight.ocr.synth import _pointed_strokes

    mask = np.zeros((80, 120), np.float32)
    mask[10:70, 20:26] = 1.0  # a downstroke, 6 px wide
    mask[40:46, 50:110] = 1.0  # a join running across, 6 px high
    pointed = _pointed_strokes(mask, 0.6) > 0.5

    assert pointed[40, :40].sum() > 6  # the downstroke swelled sideways
    across = pointed[30:56, 80]  # a cut through the middle of the join
    assert 1 <= across.sum() < 6  # worn to a hairline, still there


def test_pointed_strokes_are_a_hard_tier_look_that_the_effects_name(script_font):
    from inksight.ocr.errors import OcrError

    name, path = script_font
    text = "a pointed pen"
    pointed = render_text(
        text, name, path, kind="line", style="clean", seed=5, tier="hard", pointed=0.6
    )
    plain = render_text(text, name, path, kind="line", style="clean", seed=5, tier="hard")
    assert [line.box for line in pointed.lines] == [line.box for line in plain.lines]
    assert not np.array_equal(_gray(pointed.image), _gray(plain.image))
    assert "pointed pen 0.6" in pointed.effects
    with pytest.raises(OcrError, match="hard tier only"):
        render_text(text, name, path, tier="standard", pointed=0.6)


def test_a_hard_page_photo_records_where_its_sheet_lies(tmp_path, script_font):
    """The truth holds the sheet's corners in the photo, so the sheet finder can be scored: the
    written lines lie inside them, and the paper just inside is brighter than the table just
    outside."""
    import cv2

    fonts = dict([script_font])
    options = {"kinds": ("page",), "styles": ("photo",), "tier": "hard"}
    for record in write_dataset(tmp_path, TEXTS, fonts, 3, seed=11, **options):
        sheet = np.array(record["sheet"], np.float32)
        gray = _gray(Image.open(tmp_path / record["image"]))
        for line in record["lines"]:
            for x, y in line["box"]:
                assert cv2.pointPolygonTest(sheet, (x, y), True) > -2
        centre = sheet.mean(axis=0)
        inner = (sheet - centre) * 0.95 + centre
        outer = (sheet - centre) * 1.05 + centre
        filled = [_filled(quad, gray.shape) for quad in (inner, sheet, outer)]
        inside, outside = filled[1] & ~filled[0], filled[2] & ~filled[1]
        assert gray[inside].mean() > gray[outside].mean() + 10, record["effects"]


def _filled(quad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    import cv2

    return cv2.fillConvexPoly(np.zeros(shape, np.uint8), quad.astype(np.int32), 1) > 0


def test_scans_and_line_photos_record_no_sheet(script_font):
    font, path = script_font
    for kind, style in (("page", "clean"), ("line", "photo")):
        sample = render_text(TEXTS[0], font, path, kind=kind, style=style, seed=3, tier="hard")
        assert "sheet" not in sample.truth("image.jpg")
