"""Line finding: detector boxes become lines in reading order, even on a tilted page."""

from __future__ import annotations

import numpy as np
import pytest
from font_helpers import dejavu_sans
from PIL import Image, ImageDraw

from inksight.ocr.lines import crop_line, estimate_skew, group_lines

PAGE_LINES = [
    "The acting was superb and the story kept",
    "me guessing until the very last scene",
    "I would happily watch it again with friends",
    "although the music was a little too loud",
    "Four stars out of five from me tonight",
]


def _rotate(points: np.ndarray, degrees: float, centre=(500.0, 400.0)) -> np.ndarray:
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (points - centre) @ rotation.T + centre


def _word_boxes(lines: int, *, pitch: float, height: float, degrees: float) -> np.ndarray:
    """Three word boxes per line, staggered, rotated by ``degrees`` (clockwise in image space)."""
    boxes = []
    for row in range(lines):
        top = 100 + row * pitch
        for start, width in ((100, 180), (300 + 15 * row, 220), (560 - 10 * row, 260)):
            box = np.array(
                [
                    [start, top],
                    [start + width, top],
                    [start + width, top + height],
                    [start, top + height],
                ],
                dtype=np.float64,
            )
            boxes.append(_rotate(box, degrees))
    return np.array(boxes)


@pytest.mark.parametrize("degrees", [0.0, 4.0, -6.0, 9.0])
def test_tilted_close_lines_are_not_interleaved(degrees):
    # Lines 36 px apart with 30 px high boxes: on a 9 degree tilt the right end of one line sits
    # well below the left end of the next, so sorting by y alone would interleave them.
    boxes = _word_boxes(5, pitch=36, height=30, degrees=degrees)
    shuffled = np.random.default_rng(1).permutation(len(boxes))
    lines = group_lines(boxes[shuffled])
    assert len(lines) == 5
    assert [line.parts for line in lines] == [3] * 5
    assert abs(np.degrees(estimate_skew(boxes)) - degrees) < 0.5
    # Reading order: the lines' centres step down the page along its own vertical.
    centres = np.array([_rotate(line.corners, -degrees).mean(axis=0)[1] for line in lines])
    assert np.allclose(np.diff(centres), 36, atol=1)


def test_no_boxes_no_lines():
    assert group_lines(np.zeros((0, 4, 2))) == []


def test_crop_line_is_upright_and_tight():
    page = np.full((400, 600), 255, np.uint8)
    box = _rotate(np.array([[100.0, 180], [500, 180], [500, 220], [100, 220]]), 10, (300, 200))
    ink = np.zeros_like(page)
    import cv2

    cv2.fillConvexPoly(ink, box.astype(np.int32), 255)
    page[ink > 0] = 0
    crop = crop_line(page, box, pad_x=0.0, pad_y=0.0)
    assert abs(crop.shape[0] - 40) <= 2 and abs(crop.shape[1] - 400) <= 2
    assert crop[3:-3, 3:-3].mean() < 10  # the rotated bar fills the crop: it is deskewed


def _page(degrees: float, spacing: int) -> Image.Image:
    font = dejavu_sans(34)
    page = Image.new("RGB", (1100, 200 + spacing * len(PAGE_LINES)), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    for row, text in enumerate(PAGE_LINES):
        draw.text((60, 80 + row * spacing), text, font=font, fill=(25, 25, 90))
    return page.rotate(degrees, expand=True, fillcolor=(250, 248, 240), resample=Image.BICUBIC)


@pytest.fixture(scope="module")
def engine():
    from inksight.ocr import build_engine

    return build_engine("rapidocr")


@pytest.mark.real_assets
@pytest.mark.parametrize(("degrees", "spacing"), [(0, 70), (-7, 46), (5, 44)])
def test_five_line_page_reads_five_lines_in_order(engine, degrees, spacing):
    result = engine.read(_page(degrees, spacing))
    assert len(result.lines) == 5
    for line, truth in zip(result.lines, PAGE_LINES, strict=True):
        # Each line is recognised as its own words, so the order is the truth's order.
        assert truth.split()[0] in line.text and truth.split()[-1] in line.text
    tops = [min(y for _, y in line.box) for line in result.lines]
    if degrees == 0:
        assert tops == sorted(tops)
