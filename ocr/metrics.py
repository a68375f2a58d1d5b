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
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import mean, median

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
]

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
        }


def score_text(
    image: str, truth: str, text: str, seconds: float, groups: dict[str, str] | None = None
) -> ImageScore:
    """Score one OCR reading against its truth (case-insensitive and case-sensitive CER, WER)."""
    return ImageScore(
        image=image,
        chars=char_errors(truth, text),
        words=word_errors(truth, text),
        chars_case_sensitive=char_errors(truth, text, ignore_case=False),
        seconds=seconds,
        truth=truth,
        text=text,
        groups=dict(groups or {}),
    )


def summarize(scores: Sequence[ImageScore]) -> dict:
    """Totals of a set: micro CER and WER, the mean per-image CER, and seconds per image."""
    if not scores:
        return {"images": 0}
    chars = total(s.chars for s in scores)
    return {
        "images": len(scores),
        "cer": round(chars.rate, 6),
        "wer": round(total(s.words for s in scores).rate, 6),
        "cer_case_sensitive": round(total(s.chars_case_sensitive for s in scores).rate, 6),
        "mean_image_cer": round(mean(s.chars.rate for s in scores), 6),
        "reference_chars": chars.reference_length,
        "seconds_per_image_median": round(median(s.seconds for s in scores), 4),
        "seconds_per_image_mean": round(mean(s.seconds for s in scores), 4),
    }


def summarize_by(scores: Sequence[ImageScore], group: str) -> dict[str, dict]:
    """``summarize`` for each value of ``group`` (e.g. ``"font"``), sorted by that value."""
    buckets: dict[str, list[ImageScore]] = {}
    for score in scores:
        buckets.setdefault(score.groups.get(group, "?"), []).append(score)
    return {name: summarize(buckets[name]) for name in sorted(buckets)}
