"""Character and word error rates (CER, WER) for OCR output, and their totals over many images.

Both are the Levenshtein distance between the reference and the OCR hypothesis divided by the length
of the reference (characters for CER, words for WER), so 0.0 is perfect and values above 1.0 are
possible when the OCR invents text. Before comparing, both texts are normalised the same way:
Unicode NFKC, typographic quotes and dashes mapped to ASCII, every run of whitespace (line breaks
included) collapsed to one space, and ends stripped. So a page read with different line breaks is
not penalised for the breaks themselves.

Case: the primary figures are case-insensitive (``ignore_case=True``, the default), because a
reader of a review does not care whether "Great" came out as "great", and some handwriting fonts
write only capitals. Pass ``ignore_case=False`` for the strict, case-sensitive figures.

Totals over a set (``ErrorCounts`` added together) are micro averages: total edits over total
reference length, so a long page weighs more than a short line, as in the usual CER definition.

Detection is scored apart from reading: a written line counts as FOUND when the boxes of the lines
the engine read cover at least half of its truth box (``line_found``). Matching by overlap rather
than by text keeps a misread line from counting as missed, and a line split in two, or two lines
merged, still counts as found. A page with writing on which nothing at all was read is counted
separately (``empty_pages`` in ``summarize``), because a user sees it as a failure, not an error
rate; so is an image with writing on which the reader told its user that there was no text
(``said_no_text``), rather than that writing was found but could not be read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import mean, median

import numpy as np

from inksight.ocr.types import NO_TEXT

__all__ = [
    "ErrorCounts",
    "normalize_text",
    "edit_distance",
    "char_errors",
    "word_errors",
    "cer",
    "wer",
    "total",
    "ImageScore",
    "score_text",
    "summarize",
    "summarize_by",
    "summarize_by_tag",
    "line_found",
    "lines_found",
    "label_agreement",
]

Box = Sequence[Sequence[float]]  # corner points [x, y], in order around the box

_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


@dataclass(frozen=True)
class ErrorCounts:
    """Edits needed to turn a hypothesis into its reference, and the reference length."""

    edits: int
    reference_length: int

    @property
    def rate(self) -> float:
        """Edits per reference unit; an empty reference gives 0.0 if nothing was read, else 1.0."""
        if self.reference_length == 0:
            return 0.0 if self.edits == 0 else 1.0
        return self.edits / self.reference_length

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(self.edits + other.edits, self.reference_length + other.reference_length)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "rate": round(self.rate, 6),
            "edits": self.edits,
            "reference_length": self.reference_length,
        }


def normalize_text(text: str, *, ignore_case: bool = True) -> str:
    """Return ``text`` in the form both sides are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    text = " ".join(text.split())
    return text.lower() if ignore_case else text


def edit_distance(reference: Sequence[object], hypothesis: Sequence[object]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1) of two sequences."""
    if len(reference) < len(hypothesis):
        reference, hypothesis = hypothesis, reference
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, start=1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref_item != hyp_item),
                )
            )
        previous = current
    return previous[-1]


def char_errors(reference: str, hypothesis: str, *, ignore_case: bool = True) -> ErrorCounts:
    """Character edits between the normalised texts, with the reference length in characters."""
    ref = normalize_text(reference, ignore_case=ignore_case)
    hyp = normalize_text(hypothesis, ignore_case=ignore_case)
    return ErrorCounts(edit_distance(ref, hyp), len(ref))


def word_errors(reference: str, hypothesis: str, *, ignore_case: bool = True) -> ErrorCounts:
    """Word edits between the normalised texts, with the reference length in words."""
    ref = normalize_text(reference, ignore_case=ignore_case).split()
    hyp = normalize_text(hypothesis, ignore_case=ignore_case).split()
    return ErrorCounts(edit_distance(ref, hyp), len(ref))


def cer(reference: str, hypothesis: str, *, ignore_case: bool = True) -> float:
    """Character error rate of ``hypothesis`` against ``reference``."""
    return char_errors(reference, hypothesis, ignore_case=ignore_case).rate


def wer(reference: str, hypothesis: str, *, ignore_case: bool = True) -> float:
    """Word error rate of ``hypothesis`` against ``reference``."""
    return word_errors(reference, hypothesis, ignore_case=ignore_case).rate


def total(counts: Iterable[ErrorCounts]) -> ErrorCounts:
    """Add up the counts of many images (a micro average when you take ``.rate``)."""
    result = ErrorCounts(0, 0)
    for item in counts:
        result = result + item
    return result


@dataclass(frozen=True)
class ImageScore:
    """How well one image was read: its errors, its time and what it holds (font, kind, style)."""

    image: str
    chars: ErrorCounts
    words: ErrorCounts
    chars_case_sensitive: ErrorCounts
    seconds: float
    truth: str
    text: str
    groups: dict[str, str] = field(default_factory=dict)  # e.g. {"font": "caveat", "kind": "line"}
    tags: tuple[str, ...] = ()  # effects the image got, e.g. ("ink=pencil", "blur=motion")
    lines_written: int = 0  # truth lines with a box (0: detection not scored)
    lines_found: int = 0
    warnings: tuple[str, ...] = ()  # what the reader told its user

    def to_dict(self) -> dict:
        return {
            "image": self.image,
            **self.groups,
            "cer": round(self.chars.rate, 6),
            "wer": round(self.words.rate, 6),
            "cer_case_sensitive": round(self.chars_case_sensitive.rate, 6),
            "seconds": round(self.seconds, 4),
            "truth": self.truth,
            "text": self.text,
            **({"effects": list(self.tags)} if self.tags else {}),
            **(
                {"lines_written": self.lines_written, "lines_found": self.lines_found}
                if self.lines_written
                else {}
            ),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


def score_text(
    image: str,
    truth: str,
    text: str,
    seconds: float,
    groups: dict[str, str] | None = None,
    *,
    tags: Sequence[str] = (),
    lines: tuple[int, int] = (0, 0),
    warnings: Sequence[str] = (),
) -> ImageScore:
    """Score one OCR reading against its truth (case-insensitive and case-sensitive CER, WER).

    ``lines`` is (lines written, lines found), from ``lines_found``.
    """
    return ImageScore(
        image=image,
        chars=char_errors(truth, text),
        words=word_errors(truth, text),
        chars_case_sensitive=char_errors(truth, text, ignore_case=False),
        seconds=seconds,
        truth=truth,
        text=text,
        groups=dict(groups or {}),
        tags=tuple(tags),
        lines_written=lines[0],
        lines_found=lines[1],
        warnings=tuple(warnings),
    )


def summarize(scores: Sequence[ImageScore]) -> dict:
    """Totals of a set: micro CER and WER, the mean per-image CER, and seconds per image."""
    if not scores:
        return {"images": 0}
    chars = total(s.chars for s in scores)
    detection = [s for s in scores if s.lines_written]
    written = sum(s.lines_written for s in detection)
    found = {
        "line_recall": round(sum(s.lines_found for s in detection) / max(1, written), 6),
        "lines_written": written,
        # Pages (several lines written) on which the engine read nothing at all.
        "empty_pages": sum(1 for s in detection if s.lines_written > 1 and not s.text.strip()),
        # Any image with writing read as nothing: a photo of one line too, as its user sees it.
        "empty_images": sum(1 for s in detection if not s.text.strip()),
        # Of those, the ones whose user was told there was no text at all.
        "said_no_text": sum(1 for s in detection if NO_TEXT in s.warnings),
    }
    return {
        "images": len(scores),
        "cer": round(chars.rate, 6),
        "wer": round(total(s.words for s in scores).rate, 6),
        "cer_case_sensitive": round(total(s.chars_case_sensitive for s in scores).rate, 6),
        "mean_image_cer": round(mean(s.chars.rate for s in scores), 6),
        "reference_chars": chars.reference_length,
        "seconds_per_image_median": round(median(s.seconds for s in scores), 4),
        "seconds_per_image_mean": round(mean(s.seconds for s in scores), 4),
        **(found if detection else {}),
    }


def summarize_by(scores: Sequence[ImageScore], group: str) -> dict[str, dict]:
    """``summarize`` for each value of ``group`` (e.g. ``"font"``), sorted by that value."""
    buckets: dict[str, list[ImageScore]] = {}
    for score in scores:
        buckets.setdefault(score.groups.get(group, "?"), []).append(score)
    return {name: summarize(buckets[name]) for name in sorted(buckets)}


def summarize_by_tag(scores: Sequence[ImageScore]) -> dict[str, dict]:
    """``summarize`` of the images that got each effect; an image counts under all its tags."""
    buckets: dict[str, list[ImageScore]] = {}
    for score in scores:
        for tag in score.tags:
            buckets.setdefault(tag, []).append(score)
    return {name: summarize(buckets[name]) for name in sorted(buckets)}


def _inside_any(points: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
    """Which points lie inside at least one convex box (either winding order)."""
    inside = np.zeros(len(points), dtype=bool)
    for box in boxes:
        corners = np.asarray(box, dtype=np.float64)
        following = np.roll(corners, -1, axis=0)
        # The sign of each edge's cross product says which side of that edge a point lies on.
        cross = (following[:, 0] - corners[:, 0])[None] * (points[:, 1:2] - corners[:, 1][None]) - (
            following[:, 1] - corners[:, 1]
        )[None] * (points[:, 0:1] - corners[:, 0][None])
        inside |= (cross >= 0).all(axis=1) | (cross <= 0).all(axis=1)
    return inside


def line_found(truth_box: Box, read_boxes: Sequence[Box], min_cover: float = 0.5) -> bool:
    """Whether the read boxes cover at least ``min_cover`` of a truth line's box.

    The truth box (four corners, clockwise from top-left) is sampled on a 24 x 6 grid, so a long
    thin line is weighed along its length.
    """
    if not read_boxes:
        return False
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = (tuple(map(float, p)) for p in truth_box)
    u, v = np.meshgrid((np.arange(24) + 0.5) / 24, (np.arange(6) + 0.5) / 6)
    u, v = u.ravel()[:, None], v.ravel()[:, None]
    top = np.array([x0, y0]) * (1 - u) + np.array([x1, y1]) * u
    bottom = np.array([x3, y3]) * (1 - u) + np.array([x2, y2]) * u
    points = top * (1 - v) + bottom * v
    return float(_inside_any(points, read_boxes).mean()) >= min_cover


def lines_found(truth_boxes: Sequence[Box], read_boxes: Sequence[Box]) -> int:
    """How many truth lines ``line_found`` counts as found among ``read_boxes``."""
    return sum(line_found(box, read_boxes) for box in truth_boxes)


def label_agreement(truth_labels: Sequence[str | None], read_labels: Sequence[str | None]) -> float:
    """Share of images whose label from the OCR text equals the label from the typed truth.

    A ``None`` on the read side (nothing readable to classify) counts as a disagreement.
    """
    if len(truth_labels) != len(read_labels):
        raise ValueError("label_agreement needs one read label per truth label.")
    if not truth_labels:
        return 0.0
    same = sum(t is not None and t == r for t, r in zip(truth_labels, read_labels, strict=True))
    return same / len(truth_labels)
