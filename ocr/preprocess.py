"""Image normalisation before detection: shrink, flatten a photographed sheet, even out the light.

Phone photos are the common case: a sheet of paper on a table, at an angle, with a shadow across it
and the light falling off to one side. ``prepare_page`` turns that into an upright, evenly lit
grayscale page and keeps the 3 x 3 transform back to the original pixels so line boxes can be
reported where the user sees them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "PreparedPage",
    "find_sheet",
    "flatten_sheet",
    "normalise_background",
    "normalised_rgb",
    "prepare_page",
    "upright",
]

# A sheet found with corners hidden by shadow: its bright region must still fill this share of
# the quadrilateral, or more than a corner is missing and the quad is not the sheet.
MIN_SHEET_FILL = 0.85
# find_sheet's last try, the sheet's outline: speckle (a desk's grain) is taken out by a median
# filter this wide (pixels of the 500 px photo), edges are Canny's, the low threshold this share
# of the high one (Otsu's); a sheet outlined so may be as small as OUTLINE_MIN_AREA of the photo.
# On 60 development page photos: sheets found 49 -> 56, none wrong (docs/ocr-benchmark.md).
OUTLINE_MEDIAN = 7
OUTLINE_LOW = 0.3
OUTLINE_MIN_AREA = 0.1
# find_sheet's second try divides out light blurred over this share of the photo's longest side.
LIGHT_SCALE = 0.1
# find_sheet: pixels this close in colour (Lab a*b*) to the paper are paper, not a note beside it.
PAPER_CHROMA = 12.0
# normalise_background(keep_faint=True): this share of the page (in percent) is lighter than the
# white it stretches to.
FAINT_PAPER_PERCENTILE = 25
# normalise_background: ink this close to its paper's level (a share of it) is stretched to white.
PAPER_WHITE = 0.92
WORK_SIDE = 1800  # longest side we work at; handwriting on an A4/Letter page stays >= 20 px high


@dataclass
class PreparedPage:
    """A page ready for detection.

    Attributes:
        image: RGB uint8 array (gray replicated when normalised).
        to_original: 3 x 3 matrix mapping ``image`` pixels back to the input page's pixels.
        flattened: True when a sheet of paper was found and warped flat.
        unnormalised: The RGB page before its light was evened out (None when ``image`` is it),
            for a second normalisation that keeps fainter ink.
    """

    image: np.ndarray
    to_original: np.ndarray
    flattened: bool = False
    unnormalised: np.ndarray | None = None

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Map (N, 2) points in ``image`` coordinates to the original page."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
        return cv2.perspectiveTransform(points, self.to_original).reshape(-1, 2)


def prepare_page(
    rgb: np.ndarray,
    *,
    flatten: bool = True,
    normalise: bool = True,
    work_side: int = WORK_SIDE,
    ink_gamma: float = 1.0,
    white: float = PAPER_WHITE,
) -> PreparedPage:
    """Shrink to the working size, flatten a visible sheet, and even out background light.

    Args:
        rgb: The page as an RGB uint8 array.
        flatten: Look for a sheet of paper and warp it to a rectangle.
        normalise: Divide by the estimated background (removes shadows and uneven light).
        work_side: Longest side to work at; larger pages are shrunk first.
        ink_gamma: After normalising, grey ink is darkened by this power (1: unchanged).
        white: What normalising takes to white (``normalise_background``).
    """
    to_original = np.eye(3)
    height, width = rgb.shape[:2]
    scale = min(1.0, work_side / max(height, width))
    if scale < 1.0:
        # Bilinear: the third positional argument of cv2.resize is dst, so the INTER_AREA once
        # written here never applied; every setting was tuned on this, and area read the
        # development page photos no better (docs/ocr-benchmark.md).
        size = (round(width * scale), round(height * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
        to_original = np.diag([1 / scale, 1 / scale, 1.0])
    flattened = False
    if flatten:
        corners = find_sheet(rgb)
        if corners is not None:
            rgb, warp = flatten_sheet(rgb, corners)
            to_original = to_original @ np.linalg.inv(warp)
            flattened = True
    unnormalised = None
    if normalise:
        rgb, unnormalised = normalised_rgb(rgb, ink_gamma=ink_gamma, white=white), rgb
    return PreparedPage(np.ascontiguousarray(rgb), to_original, flattened, unnormalised)


def normalised_rgb(rgb: np.ndarray, **options: float | bool) -> np.ndarray:
    """``normalise_background`` (with its options) back in RGB, as the detector reads a page."""
    return cv2.cvtColor(normalise_background(rgb, **options), cv2.COLOR_GRAY2RGB)


def normalise_background(
    rgb: np.ndarray,
    *,
    ink_gamma: float = 1.0,
    keep_faint: bool = False,
    white: float = PAPER_WHITE,
) -> np.ndarray:
    """Return a grayscale page with paper at white and ink dark, whatever the lighting.

    The background (paper under its shadows) is estimated by closing the image (erasing the thin dark
    ink strokes) and blurring it; dividing by it removes shadows and vignetting. A small contrast
    stretch then pushes faint paper texture to white while keeping pale blue ink visible.

    ``keep_faint`` sets white at the paper's own level instead (a quarter of the page is
    lighter) and black at its darkest ink, however pale: a worn pencil line on a shadowed
    sticky note is only 5-10% darker than its paper and would be stretched to white. Paper
    texture comes up grey with it, so it is for a second look at a page that gave nothing.
    Otherwise ``white`` is that level: pixels at this share of their paper's level or lighter
    come out white (higher keeps fainter ink, and more of the paper's texture).
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    # The kernel must be wider than a pen stroke but narrower than a shadow's edge.
    size = max(15, (min(height, width) // 40) | 1)
    small = cv2.resize(
        gray, (max(1, width // 4), max(1, height // 4)), interpolation=cv2.INTER_LINEAR
    )  # bilinear, as it always was (see prepare_page)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size // 4 | 1, size // 4 | 1))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (0, 0), size / 8)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    ratio = gray.astype(np.float32) / np.maximum(background.astype(np.float32), 1.0)
    # ratio: paper ~1.0, ink well below; map [ink_level, 0.92] -> [0, 255].
    if keep_faint:
        white = float(np.percentile(ratio, FAINT_PAPER_PERCENTILE))
        ink_level = min(float(np.percentile(ratio, 0.5)), white - 0.02)
    else:
        ink_level = min(float(np.percentile(ratio, 0.5)), 0.6)
    stretched = np.clip((ratio - ink_level) / max(white - ink_level, 1e-3), 0.0, 1.0)
    # Pencil stays mid-grey after the stretch; the detector and recogniser want dark ink.
    return darken_ink((stretched * 255.0).astype(np.uint8), ink_gamma)


def darken_ink(image: np.ndarray, gamma: float) -> np.ndarray:
    """Grey ink made darker (paper white stays white): each pixel's share of white to ``gamma``."""
    if gamma == 1.0:
        return image
    return ((image.astype(np.float32) / 255.0) ** gamma * 255.0).astype(np.uint8)


# Shears tried when a line is set upright: slants of -45 to 45 degrees, 5 degrees apart.
UPRIGHT_SHEARS = np.tan(np.radians(np.arange(-45, 46, 5)))
UPRIGHT_SIDE = 64  # the slant is found on the crop scaled to this height: fast, and enough


def upright(rgb: np.ndarray) -> np.ndarray:
    """A line crop with its writing's slant taken out: sheared by the slant that makes the ink's
    columns the most uneven (upright strokes pile their ink into few columns), widened to hold
    it and filled with the crop's paper colour. A crop with no ink comes back as it is."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    height, width = gray.shape
    scale = UPRIGHT_SIDE / max(height, 1)
    small = cv2.resize(gray, (max(int(width * scale), 1), UPRIGHT_SIDE))
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if not ink.any():
        return rgb
    shear = max(UPRIGHT_SHEARS, key=lambda s: float((_sheared(ink, s, 0).sum(axis=0) ** 2).sum()))
    if shear == 0.0:
        return rgb
    paper = tuple(int(v) for v in np.median(rgb.reshape(-1, rgb.shape[-1]), axis=0))
    return _sheared(rgb, shear, paper)


def _sheared(image: np.ndarray, shear: float, fill) -> np.ndarray:
    """``image`` sheared horizontally about its middle row (x' = x + shear * (y - h/2)),
    widened so nothing is cut off."""
    height, width = image.shape[:2]
    grow = int(np.ceil(abs(shear) * height))
    matrix = np.float32([[1, shear, grow / 2 - shear * height / 2], [0, 1, 0]])
    return cv2.warpAffine(
        image, matrix, (width + grow, height), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=fill,
    )  # fmt: skip


def find_sheet(
    rgb: np.ndarray, *, min_area: float = 0.2, max_area: float = 0.97
) -> np.ndarray | None:
    """Find the corners of a sheet of paper lying in the photo.

    Returns:
        Four corners (top-left, top-right, bottom-right, bottom-left) in ``rgb`` pixels, or None
        when no sheet stands out from its surroundings (a scan, or a photo filled by the page).
    """
    height, width = rgb.shape[:2]
    scale = 500 / max(height, width)
    small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))))
    for gray, mask in _sheet_masks(small):
        corners = _sheet_in(gray, mask, min_area, max_area)
        if corners is not None:
            return corners / scale
    # A clean outline is strong evidence: a smaller sheet (an index card far off) may count.
    gray, mask = _outlined_regions(small)
    corners = _sheet_in(gray, mask, min(min_area, OUTLINE_MIN_AREA), max_area)
    return None if corners is None else corners / scale


def _sheet_masks(small: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Where the sheet may be in a small RGB photo, most likely first: (grey photo, mask) pairs.

    Paper is the bright region; Otsu separates it from a darker table or wall. A bright object
    touching the sheet (a sticky note, a mug) joins that region and spoils its shape, so each
    bright mask is followed by its pixels of the paper's own colour. A shadow or a lamp can
    light the table brighter than the shaded part of the sheet, and one threshold then cuts the
    sheet in two: the same two masks follow with the large-scale light divided out.
    """
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    light = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), LIGHT_SCALE * max(gray.shape))
    even = np.clip(gray / np.maximum(light, 1.0) * 160.0, 0, 255).astype(np.uint8)
    chroma = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_RGB2LAB)[..., 1:]
    for levels in (gray, even):
        _, bright = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
        yield levels, bright
        largest = _largest_regions(bright, 1)
        if not largest:
            continue
        _contour, region = largest[0]
        # The paper's colour: the median of the bright region, which is mostly paper.
        paper = np.median(chroma[region > 0], axis=0)
        distance = np.linalg.norm(chroma.astype(np.float32) - paper, axis=2)
        same = ((distance < PAPER_CHROMA) & (bright > 0)).astype(np.uint8) * 255
        same = cv2.morphologyEx(same, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        yield levels, cv2.morphologyEx(same, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))


def _outlined_regions(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What edges close off in a small RGB photo, away from its border: (grey photo, mask).

    The sheet's outline stays sharp where its brightness does not help: a shadow band across
    it, a speckled desk as light as the paper, a mug touching its side.
    """
    gray = cv2.medianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), OUTLINE_MEDIAN)
    high, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    edges = cv2.dilate(cv2.Canny(gray, OUTLINE_LOW * high, high), np.ones((3, 3), np.uint8))
    closed_off = cv2.morphologyEx(cv2.bitwise_not(edges), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(closed_off, connectivity=4)
    left, top, width, height = (stats[:, index] for index in range(4))
    inner = (left > 0) & (top > 0) & (left + width < gray.shape[1]) & (top + height < gray.shape[0])
    inner[0] = False  # the edges themselves
    return gray, (inner[labels] * 255).astype(np.uint8)


def _largest_regions(mask: np.ndarray, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``count`` largest connected regions of ``mask``, largest first: each its outline and
    itself filled, as a 0/1 mask."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    largest = sorted(contours, key=cv2.contourArea, reverse=True)[:count]
    return [
        (contour, cv2.drawContours(np.zeros_like(mask), [contour], -1, 1, thickness=cv2.FILLED))
        for contour in largest
    ]


def _sheet_in(
    gray: np.ndarray, mask: np.ndarray, min_area: float, max_area: float
) -> np.ndarray | None:
    """The corners of the sheet in a small grey photo, in its pixels: one of the two largest
    regions of ``mask`` (a bright table can be larger), when it is a quadrilateral it fills,
    not running off the frame, with sharp sides, brighter than around."""
    for contour, region in _largest_regions(mask, 2):
        if min_area <= region.sum() / mask.size <= max_area:
            corners = _quad_of(gray, contour, region)
            if corners is not None:
                return corners
    return None


def _quad_of(gray: np.ndarray, contour: np.ndarray, region: np.ndarray) -> np.ndarray | None:
    """The corners of the sheet whose bright ``region`` (outlined by ``contour``) this is, or
    None when it is not a whole sheet."""
    hull = cv2.convexHull(contour)
    polygon = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    # A shadow across a corner makes the bright region a pentagon or hexagon: four of its sides
    # still lie on the sheet's edges, and where they meet are the corners the shadow hides.
    quad = polygon if len(polygon) == 4 else _corners_behind_shadow(polygon)
    if quad is None:
        return None
    # The bright region must lie inside the quadrilateral and fill most of it: a quad that
    # swallows the table, or misses part of the sheet, warps the text worse than no flattening.
    quad_mask = cv2.fillConvexPoly(np.zeros_like(region), np.round(quad).astype(np.int32), 1)
    shared = np.logical_and(region, quad_mask).sum()
    fill = 0.95 if len(polygon) == 4 else MIN_SHEET_FILL  # a hidden corner leaves a gap
    if shared < 0.97 * region.sum() or shared < fill * quad_mask.sum():
        return None
    corners = _order_corners(quad.astype(np.float64))
    if _runs_off_frame(corners, region.shape) or not _roughly_rectangular(corners):
        return None
    # Each side must run along the sheet's real edge. A side cut by a shadow or a light gradient
    # has a soft edge, and trusting it warps the text.
    if not _sides_are_sharp(gray, corners):
        return None
    # Paper must be brighter than what surrounds it, or this is just a bright object.
    inside = cv2.fillConvexPoly(np.zeros_like(gray), corners.astype(np.int32), 1) > 0
    if inside.all() or gray[inside].mean() < gray[~inside].mean() + 20:
        return None
    return corners


def _runs_off_frame(corners: np.ndarray, shape: tuple[int, ...], margin: float = 0.015) -> bool:
    """Whether a side of the quad lies along an edge of the frame: the sheet runs off the photo
    and only part of it is seen. A corner may touch the edge (a sheet filling the photo)."""
    height, width = shape[:2]
    edge = margin * max(height, width)
    x, y = corners[:, 0], corners[:, 1]
    near = np.stack([x <= edge, x >= width - edge, y <= edge, y >= height - edge], axis=1)
    return any((near[index] & near[(index + 1) % 4]).any() for index in range(4))


def _corners_behind_shadow(polygon: np.ndarray) -> np.ndarray | None:
    """The corners of a sheet whose bright region is a 5- or 6-sided ``polygon``: one or two
    corners cut off by shadow. Four of its sides lie on the sheet's edges; of the ways to pick
    four, the one whose corners (where those sides' lines meet) are most nearly right angles."""
    if not 5 <= len(polygon) <= 6:
        return None
    points = polygon.astype(np.float64)
    sides = [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]
    best, best_skew = None, np.inf
    for kept in itertools.combinations(range(len(sides)), 4):  # in order around the polygon
        corners = [
            _intersection(*sides[first], *sides[second])
            for first, second in zip(kept, kept[1:] + kept[:1], strict=True)
        ]
        if any(corner is None for corner in corners):
            continue
        skew = _worst_angle(np.array(corners))
        if skew < best_skew:
            best, best_skew = np.array(corners), skew
    return best


def _worst_angle(corners: np.ndarray) -> float:
    """How far, in degrees, the corner angle furthest from 90 degrees is from it."""
    worst = 0.0
    for index in range(4):
        before = corners[index - 1] - corners[index]
        after = corners[(index + 1) % 4] - corners[index]
        cosine = before @ after / max(np.linalg.norm(before) * np.linalg.norm(after), 1e-9)
        worst = max(worst, abs(np.degrees(np.arccos(np.clip(cosine, -1, 1))) - 90))
    return worst


def _intersection(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray | None:
    """Where the line through a, b meets the line through c, d (None when nearly parallel)."""
    ab, cd = b - a, d - c
    cross = ab[0] * cd[1] - ab[1] * cd[0]
    if abs(cross) < 1e-6 * np.linalg.norm(ab) * np.linalg.norm(cd):
        return None
    t = ((c - a)[0] * cd[1] - (c - a)[1] * cd[0]) / cross
    return a + t * ab


def flatten_sheet(rgb: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warp the quadrilateral ``corners`` to an upright rectangle.

    Returns:
        The flattened image and the 3 x 3 matrix from ``rgb`` pixels to flattened pixels.
    """
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    width, height = max(int(round(width)), 1), max(int(round(height)), 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    flat = cv2.warpPerspective(
        rgb, warp, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return flat, warp.astype(np.float64)


def _sides_are_sharp(gray: np.ndarray, corners: np.ndarray, ratio: float = 0.35) -> bool:
    """True when every side of the quad lies on an edge at least ``ratio`` as strong as the best."""
    gray = gray.astype(np.float32)
    grad_x, grad_y = cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    height, width = gray.shape
    strengths = []
    for index in range(4):
        start, end = corners[index], corners[(index + 1) % 4]
        normal = np.array([start[1] - end[1], end[0] - start[0]])
        normal /= max(np.linalg.norm(normal), 1e-9)
        points = start + (end - start) * np.linspace(0.1, 0.9, 40)[:, None]
        # Strongest gradient across the side within +-3 px: corners are only roughly placed.
        offsets = points[:, None, :] + np.arange(-3, 4)[None, :, None] * normal
        xs = np.clip(np.rint(offsets[..., 0]).astype(int), 0, width - 1)
        ys = np.clip(np.rint(offsets[..., 1]).astype(int), 0, height - 1)
        across = np.abs(grad_x[ys, xs] * normal[0] + grad_y[ys, xs] * normal[1])
        strengths.append(float(np.median(across.max(axis=1))))
    return min(strengths) >= ratio * max(strengths)


def _roughly_rectangular(corners: np.ndarray, tolerance: float = 35.0) -> bool:
    """True when every corner angle is within ``tolerance`` degrees of 90 (a photographed sheet)."""
    return _worst_angle(corners) <= tolerance


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    sums, diffs = points.sum(axis=1), points[:, 1] - points[:, 0]
    return np.array(
        [
            points[sums.argmin()],
            points[diffs.argmin()],
            points[sums.argmax()],
            points[diffs.argmax()],
        ]
    )
