"""From detector boxes to text lines: skew, grouping, reading order and deskewed crops.

A text detector returns word or phrase boxes, often several per line. On a page photographed at a
tilt, sorting those boxes by their top edge interleaves neighbouring lines. Instead we estimate the
page's skew from the boxes themselves, rotate every box into the page's own frame, cluster boxes by
their vertical position there, and read each cluster left to right as one line.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["LineBox", "crop_line", "estimate_skew", "group_lines"]


@dataclass
class LineBox:
    """One text line found on a page.

    Attributes:
        corners: (4, 2) corners in page pixels: top-left, top-right, bottom-right, bottom-left,
            following the page's skew.
        score: The lowest detector score among the boxes merged into this line.
        parts: How many detector boxes were merged.
    """

    corners: np.ndarray
    score: float
    parts: int

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.corners[3] - self.corners[0]))

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.corners[1] - self.corners[0]))


def estimate_skew(boxes: np.ndarray) -> float:
    """Estimate the page's text angle in radians from detector boxes (0 when unknown).

    Each box's long edges give a direction; wide boxes (phrases) are trusted more than short ones,
    and the weighted median ignores a stray vertical scribble.
    """
    angles, weights = [], []
    for box in np.asarray(boxes, dtype=np.float64):
        top, bottom = box[1] - box[0], box[2] - box[3]
        length = (np.linalg.norm(top) + np.linalg.norm(bottom)) / 2
        height = (np.linalg.norm(box[3] - box[0]) + np.linalg.norm(box[2] - box[1])) / 2
        if length < 1.5 * max(height, 1.0):  # too square to show a direction
            continue
        direction = top + bottom
        angle = np.arctan2(direction[1], direction[0])
        if abs(angle) > np.pi / 4:  # text this steep is not a line of a page we can read
            continue
        angles.append(angle)
        weights.append(length)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def group_lines(
    boxes: np.ndarray, scores: list[float] | np.ndarray | None = None, *, min_overlap: float = 0.5
) -> list[LineBox]:
    """Merge detector boxes into text lines in reading order (top to bottom).

    Args:
        boxes: (N, 4, 2) quadrilaterals in page pixels.
        scores: Detector score per box (1.0 when not given).
        min_overlap: Fraction of the smaller box's height two boxes must share, measured across
            the text direction, to count as one line.

    Returns:
        Lines ordered top to bottom; each line's corners span its boxes left to right.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4, 2)
    if len(boxes) == 0:
        return []
    scores = np.ones(len(boxes)) if scores is None else np.asarray(scores, dtype=np.float64)
    angle = estimate_skew(boxes)
    cos, sin = np.cos(angle), np.sin(angle)
    # Rotate into the page frame: x' along the text, y' down across it.
    to_page = np.array([[cos, sin], [-sin, cos]])
    rotated = boxes @ to_page.T
    tops, bottoms = rotated[:, :, 1].min(axis=1), rotated[:, :, 1].max(axis=1)
    centres = (tops + bottoms) / 2

    lines: list[list[int]] = []
    for index in np.argsort(centres, kind="stable"):
        best, best_overlap = None, 0.0
        for number, members in enumerate(lines):
            # Compare with the line's typical box, not its union, so one tall box can't swallow
            # the next line.
            top = float(np.median(tops[members]))
            bottom = float(np.median(bottoms[members]))
            shared = min(bottom, bottoms[index]) - max(top, tops[index])
            smaller = max(min(bottom - top, bottoms[index] - tops[index]), 1e-6)
            if shared / smaller > best_overlap:
                best, best_overlap = number, shared / smaller
        if best is not None and best_overlap >= min_overlap:
            lines[best].append(int(index))
        else:
            lines.append([int(index)])

    results = []
    for members in lines:
        points = rotated[members].reshape(-1, 2)
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        corners_rotated = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        corners = corners_rotated @ to_page  # inverse rotation (to_page is orthonormal)
        results.append(LineBox(corners, float(scores[members].min()), len(members)))
    results.sort(key=lambda line: float((line.corners @ to_page.T)[:, 1].mean()))
    return results


def crop_line(
    image: np.ndarray, corners: np.ndarray, *, pad_y: float = 0.08, pad_x: float = 0.25
) -> np.ndarray:
    """Cut a line out of the page, rotated upright, with a small margin.

    Args:
        image: The page (H, W) or (H, W, 3) uint8.
        corners: The line's four corners in page pixels (as in ``LineBox.corners``).
        pad_y: Margin above and below, as a fraction of the line height.
        pad_x: Margin left and right, as a fraction of the line height.
    """
    corners = np.asarray(corners, dtype=np.float64)
    along = corners[1] - corners[0]
    across = corners[3] - corners[0]
    width, height = np.linalg.norm(along), np.linalg.norm(across)
    unit_along = along / max(width, 1e-6)
    unit_across = across / max(height, 1e-6)
    margin_x, margin_y = pad_x * height, pad_y * height
    origin = corners[0] - margin_x * unit_along - margin_y * unit_across
    out_w = max(int(round(width + 2 * margin_x)), 1)
    out_h = max(int(round(height + 2 * margin_y)), 1)
    source = np.array(
        [origin, origin + out_w * unit_along, origin + out_h * unit_across], dtype=np.float32
    )
    target = np.array([[0, 0], [out_w, 0], [0, out_h]], dtype=np.float32)
    return cv2.warpAffine(
        image,
        cv2.getAffineTransform(source, target),
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
