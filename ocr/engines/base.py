"""The recogniser interface and the engine that turns pages into typed results.

An ``OcrEngine`` is preprocess + detect + recognise behind one object: it reads every page, prepares
it (flatten, even light), finds text lines with the detector, crops them upright, and hands all crops
of a page to its ``Recognizer`` in one call. Recognisers only ever see line crops, so a new one
(another model) is one small class.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from PIL import Image

from inksight.ocr.lines import LineBox, crop_line, group_lines
from inksight.ocr.preprocess import (
    PAPER_WHITE,
    WORK_SIDE,
    PreparedPage,
    darken_ink,
    normalised_rgb,
    prepare_page,
)
from inksight.ocr.reader import ImageSource, read_pages_checked
from inksight.ocr.types import NO_TEXT, Line, OcrResult

__all__ = ["Detector", "OcrEngine", "Recognizer"]

MIN_SIDE = 8  # pixels; anything smaller cannot hold a legible character
# Detector pixels; lines lower than this are looked at again, zoomed in. 20, not 14: on a 200-image
# development set of tuning fonts, photographed pages 0.159 -> 0.128 CER, lines found 0.974 ->
# 0.982 (docs/ocr-benchmark.md); pencil 16-20 px high on a page the detector shrinks was lost.
SMALL_WRITING = 20
GOOD_WRITING = 28  # detector pixels; the height the second look brings them to
WRITING_EVIDENCE = 0.5  # confidence from which an unkept reading still shows writing is there
# A long reading is kept, and shows writing, at a lower confidence (``long_min_confidence``): on 81
# development blanks no reading, however unsure, was longer than 3 characters, while a hairline
# pencil line reads as "and ndo" at 0.30. Kept so, development CER fell on hairline sets (e.g.
# 0.116 -> 0.100) and photographed pages (0.043 -> 0.032), the rest unchanged (docs/ocr-benchmark.md).
LONG_READING_CHARS = 6
LONG_READING_EVIDENCE = 0.3
MAX_SIDE = 2400  # pixels; the largest the second look lets the detector see (time grows ~ side^2)
# Grey ink is darkened by this power for the faint look, taken only when a page gave nothing: a
# pencil line across a shadow is too pale for the detector at the page's own contrast.
FAINT_GAMMA = 3.0
# What the faint look keeps: on 81 blank images it read one "oh" (confidence 0.55) on a desk.
FAINT_MIN_CONFIDENCE = 0.65
FAINT_MIN_CHARS = 3
LATER_LOOK_EVIDENCE = 0.6  # what a faint or paper look must read (3+ characters) to show writing
MIN_LINE_CHARS = 2  # a mug's rim reads as "O", a pen as "/": one character alone is not a line
# A reading this short is little evidence of writing: it needs SHORT_MIN_CONFIDENCE. On 162
# development blanks the handwriting recogniser read a wall as "pom" at 0.735, every other short
# reading at 0.60 or less; on five development sets no short reading of writing was lost at 0.75
# or 0.8 (benchmarks/tune_ocr_reader.py --short-floor; docs/ocr-benchmark.md).
SHORT_LINE_CHARS = 3
SHORT_MIN_CONFIDENCE = 0.75
# The thin look: a page read with less than this confidence (per character) is read once more,
# normalised again with fainter ink kept (THIN_WHITE), grey ink darkened (THIN_GAMMA) and the
# detector at THIN_SIDE, and that reading is kept when it holds THIN_MARGIN times as many sure
# characters. Hairline hands (pointed pen, a worn pencil) grey out in a photo: on a development
# set of thinned tuning hands, CER 0.134 -> 0.075 and lines found 0.87 -> 0.99, with three
# development sets of the tuning hands as they are unchanged or better (docs/ocr-benchmark.md).
# About a quarter of photographed pages take it.
THIN_LOOK_BELOW = 0.9
THIN_GAMMA = 2.0
THIN_SIDE = 960
THIN_MARGIN = 1.1
# The thin look normalises the page again, ink at this share of its paper's level or darker
# kept (the first look's stretch takes ink lighter than PAPER_WHITE to white, and with it the
# faint ends of pencil lines). On five development sets, mean CER 0.0352 -> 0.0274 (pages of
# thinned hands 0.097 -> 0.031), no set worse and no line lost; the same white for every look
# lost a line (docs/ocr-benchmark.md, "Faint ink kept white no more").
THIN_WHITE = 0.97


@dataclass(frozen=True)
class _Look:
    """How one reading of a page sees it: grey ink darkened by ``ink_gamma`` for detection and
    reading, by ``crop_gamma`` more in the line crops, the detector at ``side`` (None: its own)."""

    ink_gamma: float
    crop_gamma: float
    side: int | None = None
    faint: bool = True  # when it reads nothing, the faint look follows
    evidence: float = WRITING_EVIDENCE  # how sure an unkept short reading must be to show writing


@runtime_checkable
class Recognizer(Protocol):
    """Reads line crops. ``name`` names the model in results, e.g. ``"rapidocr"``."""

    name: str

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Return ``(text, confidence 0..1)`` for each RGB uint8 crop, in order, in one batch."""
        ...


class Detector(Protocol):
    """Finds text boxes on a page. ``side``: the longest side it shrinks a page to by default."""

    side: int

    def detect(self, rgb: np.ndarray, *, side: int | None = None) -> tuple[np.ndarray, list[float]]:
        """Return (N, 4, 2) boxes in ``rgb`` pixels and one score per box, looking at the page
        shrunk to at most ``side`` pixels on its longest side (None: ``self.side``)."""
        ...


class OcrEngine:
    """Reads images and documents into ``OcrResult``: detector + line grouping + recogniser.

    Args:
        recognizer: Reads line crops.
        detector: Finds text boxes on a page.
        min_confidence: Lines the recogniser is less sure of are dropped (no invented words on
            blank paper).
        long_min_confidence: The same for lines of LONG_READING_CHARS characters or more (the
            lower of the two counts): blank paper never reads that long.
        short_min_confidence: The same for readings of SHORT_LINE_CHARS characters or fewer (the
            higher counts): a blank wall or desk reads as a short word more often than a long one.
        low_confidence: Lines under this confidence are kept but flagged.
        flatten: Find a photographed sheet and warp it flat.
        normalise: Even out shadows and uneven light before detection.
        paper_white: When normalising, ink this close to its paper's level (a share of it) and
            lighter goes white (``normalise_background``'s ``white``).
        second_look: Detect again, zoomed in on the ink, when the writing found is small or
            nothing could be read.
        small_writing: What counts as small for the second look: lines lower than this many
            detector pixels.
        ink_gamma: Darken grey ink (pencil) by this power after normalising (1: unchanged).
        faint_look: When a page gave nothing, look once more with grey ink darkened by
            ``FAINT_GAMMA`` (a pale pencil line); 1 or less: no faint look.
        crop_gamma: The same, for the line crops the recogniser reads only (detection unchanged).
        thin_look: When a page reads with little confidence, read it once more with grey ink
            darkened and the detector looking closer, and keep the surer reading (hairline
            hands); with ``normalise`` only.
        thin_white: The thin look normalises the page once more, ink this close to its paper's
            level (``normalise_background``'s ``white``) and lighter going white, so faint ink
            the first look's stretch took to white comes back; None: it darkens the first
            look's page.
        paper_look: When the faint look gave nothing too, normalise the page once more with
            white at the paper's own level (``normalise_background(keep_faint=True)``): pencil
            barely darker than its paper; with ``normalise`` only.
    """

    def __init__(
        self,
        recognizer: Recognizer,
        detector: Detector,
        *,
        min_confidence: float = 0.5,
        long_min_confidence: float = LONG_READING_EVIDENCE,
        short_min_confidence: float = SHORT_MIN_CONFIDENCE,
        low_confidence: float = 0.8,
        flatten: bool = True,
        normalise: bool = True,
        paper_white: float = PAPER_WHITE,
        second_look: bool = True,
        small_writing: float = SMALL_WRITING,
        ink_gamma: float = 1.0,
        crop_gamma: float = 1.0,
        faint_look: float = FAINT_GAMMA,
        thin_look: bool = True,
        thin_white: float | None = THIN_WHITE,
        paper_look: bool = True,
    ) -> None:
        self.recognizer = recognizer
        self.detector = detector
        self.min_confidence = min_confidence
        self.long_min_confidence = long_min_confidence
        self.short_min_confidence = short_min_confidence
        self.low_confidence = low_confidence
        self.flatten = flatten
        self.normalise = normalise
        self.paper_white = paper_white
        self.second_look = second_look
        self.small_writing = small_writing
        self.ink_gamma = ink_gamma
        self.crop_gamma = crop_gamma
        self.faint_look = faint_look
        self.thin_look = thin_look
        self.thin_white = thin_white
        self.paper_look = paper_look

    @property
    def name(self) -> str:
        return self.recognizer.name

    def read(self, image: ImageSource) -> OcrResult:
        """Read every page of ``image`` (anything ``read_pages`` takes) into one result."""
        start = time.perf_counter()
        # Big JPEGs decode at a reduced scale; detection works at WORK_SIDE anyway.
        pages, warnings = read_pages_checked(image, min_side=WORK_SIDE)
        lines: list[Line] = []
        for number, page in enumerate(pages):
            try:
                page_lines, page_warnings = self._read_page(page, number, len(pages))
            except Exception as error:  # noqa: BLE001 - one bad page must not lose the others
                where = f"page {number + 1}" if len(pages) > 1 else "the image"
                page_lines = []
                page_warnings = [f"{where} could not be read ({type(error).__name__}: {error})."]
            lines.extend(page_lines)
            warnings.extend(page_warnings)
        if not lines and not warnings:
            warnings.append(NO_TEXT)
        return OcrResult.from_lines(
            lines,
            engine=self.name,
            seconds=time.perf_counter() - start,
            warnings=warnings,
            pages=len(pages),
        )

    def read_lines(self, crops: list[Image.Image | np.ndarray]) -> list[Line]:
        """Recognise pre-cut line crops in one batch; each box is its crop's full rectangle."""
        arrays = [np.asarray(_rgb(crop)) for crop in crops]
        if not arrays:
            return []
        readings = self.recognizer.recognize(arrays)
        return [
            self._line(text, confidence, _full_box(array), page=0)
            for array, (text, confidence) in zip(arrays, readings, strict=True)
        ]

    def find_lines(self, page: Image.Image | np.ndarray) -> tuple[list[LineBox], PreparedPage]:
        """Find text lines on one page; returns the lines and the prepared image they refer to.

        Line corners are in prepared-image pixels (see ``inksight.ocr.preprocess.prepare_page``).
        """
        look = self._first_look()
        prepared = self._prepare(page, look)
        return self._detect_lines(prepared.image, look), prepared

    def _first_look(self) -> _Look:
        return _Look(self.ink_gamma, self.crop_gamma)

    def _thin_look(self) -> _Look:
        """Grey ink THIN_GAMMA times darker for the detector too (the crops as dark as in the
        first look or darker), and the detector at THIN_SIDE."""
        ink_gamma = self.ink_gamma * THIN_GAMMA
        crop_gamma = max(1.0, self.ink_gamma * self.crop_gamma / ink_gamma)
        side = max(THIN_SIDE, self.detector.side) if hasattr(self.detector, "side") else None
        # Its own faint look read the development sets no better and doubled a blank page's time.
        return _Look(ink_gamma, crop_gamma, side, faint=False)

    def _prepare(self, page: Image.Image | np.ndarray, look: _Look) -> PreparedPage:
        return prepare_page(
            np.asarray(_rgb(page)),
            flatten=self.flatten,
            normalise=self.normalise,
            ink_gamma=look.ink_gamma,
            white=self.paper_white,
        )

    def _detect_lines(self, image: np.ndarray, look: _Look) -> list[LineBox]:
        """Detect at the look's side (the detector's own size by default); small writing
        triggers a second, zoomed look."""
        found = (
            self.detector.detect(image, side=look.side)
            if look.side
            else self.detector.detect(image)
        )
        lines = group_lines(*found)
        if not hasattr(self.detector, "side"):  # a detector that cannot zoom gets one look
            return lines
        side = look.side or self.detector.side
        base = min(1.0, side / max(image.shape[:2]))  # the detector's shrink
        if self.second_look and _median_height(lines) * base < self.small_writing:
            return self._look_closer(image, lines, side)
        return lines

    def _look_closer(
        self, image: np.ndarray, lines: list[LineBox], least_side: int | None = None
    ) -> list[LineBox]:
        """Detect again on the inked part of the page, enlarged so its writing is ~GOOD_WRITING
        detector pixels high, the detector at ``least_side`` or more (None: its own size); keep
        whichever look found more lines.

        Small or faint writing (a sticky note on a desk, a photo from far away) ends up a few
        pixels high at the detector's size and is missed, whole lines at a time. Blank paper has
        no ink, so it costs nothing there.
        """
        ink = np.argwhere(image.min(axis=2) < 128)  # prepared pages: paper white, ink dark
        if len(ink) == 0 or not hasattr(self.detector, "side"):
            return lines
        least = least_side or self.detector.side
        (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0) + 1
        margin = int(0.03 * max(image.shape[:2])) + 4
        y0, x0 = max(y0 - margin, 0), max(x0 - margin, 0)
        y1, x1 = min(y1 + margin, image.shape[0]), min(x1 + margin, image.shape[1])
        crop = image[y0:y1, x0:x1]
        longest = max(crop.shape[:2])
        height = _median_height(lines) or 0.0
        wanted = longest * GOOD_WRITING / height if height else 2.0 * least
        side = int(min(max(wanted, least), MAX_SIDE))
        if longest < side:  # the detector only ever shrinks: enlarge the crop ourselves
            zoom = side / longest
            crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        else:
            zoom = 1.0
        boxes, scores = self.detector.detect(np.ascontiguousarray(crop), side=side)
        boxes = boxes / zoom + np.array([x0, y0], dtype=np.float64)
        more = group_lines(boxes, scores)
        return more if len(more) >= len(lines) else lines

    def _read_page(
        self, page: Image.Image, number: int, count: int
    ) -> tuple[list[Line], list[str]]:
        where = f"page {number + 1}" if count > 1 else "the image"
        if min(page.size) < MIN_SIDE:
            width, height = page.size
            return [], [f"{where} is only {width} x {height} pixels, too small to hold text."]
        first = self._first_look()
        prepared = self._prepare(page, first)
        lines, writing = self._read_look(prepared, page, number, first)
        # Like the faint look, the thin look darkens grey ink: only a normalised page has it.
        if self.thin_look and self.normalise and _confidence(lines) < THIN_LOOK_BELOW:
            thin = self._thin_look()
            prepared = replace(prepared, image=self._thin_page(prepared, first, thin))
            if lines or self.thin_white is None:
                thin_lines, thin_writing = self._read_look(prepared, page, number, thin)
            else:
                # A page that gave nothing, normalised again, shows its paper's texture too (a
                # wall read "he" at 0.81): keep, and count as writing, only what later looks do.
                thin_lines, thin_writing = self._read_sure(prepared, page, number, thin)
            if _sure_chars(thin_lines) > THIN_MARGIN * _sure_chars(lines):
                lines = thin_lines
            writing = writing or thin_writing
        if not lines and not writing:
            return [], []  # a table edge or a shadow: the caller says no text was found
        if not lines:
            return [], [
                f"writing was found in {where} but could not be read (too small, faint or "
                "blurred?); try a closer, sharper photo."
            ]
        return lines, []

    def _thin_page(self, prepared: PreparedPage, first: _Look, thin: _Look) -> np.ndarray:
        """The page as the thin look sees it: the first look's page with its grey ink darkened,
        or, with ``thin_white``, normalised again from the page before its light was evened
        out, with fainter ink kept."""
        if self.thin_white is None or prepared.unnormalised is None:
            return darken_ink(prepared.image, thin.ink_gamma / first.ink_gamma)
        return normalised_rgb(
            prepared.unnormalised, ink_gamma=thin.ink_gamma, white=self.thin_white
        )

    def _read_look(
        self, prepared: PreparedPage, page: Image.Image, number: int, look: _Look
    ) -> tuple[list[Line], bool]:
        """Detect and read the prepared page as ``look`` sees it; when that gives nothing, the
        faint look, then the paper look. Returns the lines kept and whether anything looked
        like writing."""
        found = self._detect_lines(prepared.image, look)
        lines, writing = self._read_lines(found, prepared, page, number, look)
        if lines or not look.faint or not self.normalise:
            return lines, writing
        # Only the surer lines of the looks below count: a blank desk's texture, darkened or
        # stretched, can read as a word.
        if self.faint_look > max(look.ink_gamma, 1):
            # The same prepared page, its grey ink darkened from ink_gamma to faint_look.
            darker = darken_ink(prepared.image, self.faint_look / look.ink_gamma)
            lines, seen = self._read_sure(replace(prepared, image=darker), page, number, look)
            writing = writing or seen
        if not lines and self.paper_look and prepared.unnormalised is not None:
            faint = normalised_rgb(prepared.unnormalised, ink_gamma=look.ink_gamma, keep_faint=True)
            stretched = replace(prepared, image=faint)
            lines, seen = self._read_sure(stretched, page, number, look)
            writing = writing or seen
        return lines, writing

    def _read_sure(
        self, prepared: PreparedPage, page: Image.Image, number: int, look: _Look
    ) -> tuple[list[Line], bool]:
        """The lines of another rendering of the page that the recogniser is sure of (or that
        are long: blank paper never reads long), and whether it read a line there almost surely
        enough (LATER_LOOK_EVIDENCE), or a long one at all (LONG_READING_EVIDENCE): writing
        that is there, if not legibly."""
        found = self._detect_lines(prepared.image, look)
        # A darkened desk reads as "oh" at 0.9: here only a long unkept reading shows writing.
        sceptical = replace(look, evidence=math.inf)
        lines, long_reading = self._read_lines(found, prepared, page, number, sceptical)
        seen = long_reading or any(_is_sure_faint(line, LATER_LOOK_EVIDENCE) for line in lines)
        return [line for line in lines if _is_later_look_line(line)], seen

    def _read_lines(
        self,
        found: list[LineBox],
        prepared: PreparedPage,
        page: Image.Image,
        number: int,
        look: _Look,
    ) -> tuple[list[Line], bool]:
        """Read the lines found on a prepared page, zooming in when their boxes held no words;
        whether anything looked like writing."""
        if not found:
            return [], False
        lines, writing = self._read_found(found, prepared, page, number, look)
        if not lines and self.second_look:  # boxes but no words: maybe writing too small to read
            zoomed = self._look_closer(prepared.image, [], look.side)
            if zoomed:
                lines, more_writing = self._read_found(zoomed, prepared, page, number, look)
                writing = writing or more_writing
        return lines, writing

    def _read_found(
        self,
        found: list[LineBox],
        prepared: PreparedPage,
        page: Image.Image,
        number: int,
        look: _Look,
    ) -> tuple[list[Line], bool]:
        """Recognise the found lines in one batch; lines the recogniser is unsure of are dropped.

        Returns:
            The lines kept, and whether anything looked like writing: a box the recogniser read
            something in, however unsure (``_shows_writing``).
        """
        crops = [
            darken_ink(crop_line(prepared.image, line.corners), look.crop_gamma) for line in found
        ]
        readings = self.recognizer.recognize(crops)
        lines, writing = [], False
        for line, (text, confidence) in zip(found, readings, strict=True):
            text = " ".join(text.split())
            # Table edges and shadows read as nothing, or as a letter or two the model doubts;
            # a blank wall as "pom" at 0.735 (the short-reading rule).
            writing = writing or self._shows_writing(text, confidence, look.evidence)
            if not self._keeps(text, confidence):
                continue
            # Back to the pixels of the file, which may have been decoded at a reduced scale.
            box = prepared.map_points(line.corners) / page.info.get("scale", 1.0)
            lines.append(self._line(text, confidence, box, page=number))
        return lines, writing

    def _keeps(self, text: str, confidence: float) -> bool:
        """Whether a reading is sure enough to be a line: a long one from the lower floor."""
        floor = self.min_confidence
        if _is_long(text):
            floor = min(floor, self.long_min_confidence)
        return not _too_unsure(text, confidence, floor, self.short_min_confidence)

    def _shows_writing(self, text: str, confidence: float, evidence: float) -> bool:
        """Whether an unkept reading still shows that writing is there, if not legibly: a long
        reading at LONG_READING_EVIDENCE, a shorter one at ``evidence``."""
        if _is_long(text):
            return confidence >= LONG_READING_EVIDENCE
        return not _too_unsure(text, confidence, evidence, self.short_min_confidence)

    def _line(self, text: str, confidence: float, box: np.ndarray, *, page: int) -> Line:
        return Line(
            text=text,
            confidence=float(confidence),
            box=[[float(x), float(y)] for x, y in np.asarray(box).reshape(4, 2)],
            page=page,
            low_confidence=confidence < self.low_confidence,
        )


def _too_unsure(text: str, confidence: float, floor: float, short_floor: float) -> bool:
    """Whether a reading is too short, or too unsure for its length, to be a line of writing."""
    chars = len(text.replace(" ", ""))
    if chars < MIN_LINE_CHARS or confidence < floor:
        return True
    return chars <= SHORT_LINE_CHARS and confidence < short_floor


def _is_long(text: str) -> bool:
    """Whether a reading is long enough that blank paper never gave one (LONG_READING_CHARS)."""
    return len(text.replace(" ", "")) >= LONG_READING_CHARS


def _sure_chars(lines: list[Line]) -> float:
    """Characters read, each counted by the recogniser's confidence in its line."""
    return sum(len(line.text.replace(" ", "")) * line.confidence for line in lines)


def _confidence(lines: list[Line]) -> float:
    """The recogniser's confidence per character read (0 for nothing read)."""
    chars = sum(len(line.text.replace(" ", "")) for line in lines)
    return _sure_chars(lines) / chars if chars else 0.0


def _is_sure_faint(line: Line, min_confidence: float = FAINT_MIN_CONFIDENCE) -> bool:
    """Whether a later look's line is sure enough: to keep (by default), or to show writing."""
    return line.confidence >= min_confidence and len(line.text.replace(" ", "")) >= FAINT_MIN_CHARS


def _is_later_look_line(line: Line) -> bool:
    """Whether a line read by a look after the first (of a page that gave nothing) is kept: sure
    and 3+ characters, or long (it already passed long_min_confidence: no blank reads that long)."""
    return _is_sure_faint(line) or _is_long(line.text)


def _median_height(lines: list[LineBox]) -> float:
    return float(np.median([line.height for line in lines])) if lines else 0.0


def _rgb(image: Image.Image | np.ndarray) -> Image.Image | np.ndarray:
    if isinstance(image, Image.Image):
        return image if image.mode == "RGB" else image.convert("RGB")
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return array.astype(np.uint8, copy=False)


def _full_box(array: np.ndarray) -> np.ndarray:
    height, width = array.shape[:2]
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
