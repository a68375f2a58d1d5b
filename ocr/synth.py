"""Render review text as handwriting, as a clean scan or a phone photo, with the truth beside it.

One image is drawn in four steps, each seeded so the same seed gives the same pixels:

1. Words become ink masks, character by character, with jitter in size, baseline and spacing, a
   stroke width, and a slant (shear) per word.
2. Words are word-wrapped into lines; each line gets a mild elastic distortion, and its box is
   the tight box around its ink.
3. The ink is laid on paper (white, cream, lined or squared notebook paper) in blue or black.
4. A ``photo`` puts the sheet on a table and photographs it: perspective and rotation, uneven light
   and a shadow, defocus, noise, a lower resolution and JPEG artefacts. A ``clean`` scan stays flat.

The line boxes go through the same geometry as the pixels, so they are right in the final image.

Two tiers: ``standard`` (the benchmark's original set, unchanged pixel for pixel) and ``hard``
(``tier="hard"``): looser hands (more slant, baseline wobble, per-glyph jitter), uneven ink
(ballpoint, felt pen, pencil at low contrast), sticky notes and index cards beside notebook paper,
and writing small in the image (x-height 12-28 px). A hard ``photo`` puts the sheet on a cluttered
table as a fraction of the frame, turned up to 15 degrees with keystone, then adds a shadow,
defocus or motion blur, sensor noise and JPEG quality 60-85. Each hard sample records the effects
it got (``effects`` in the truth) so errors can be broken down by them. For development sets of
hairline hands, ``thin`` wears the hard tier's strokes down (``strokes thinned`` in the effects);
``pointed`` draws them as a pointed pen does: swelling downstrokes, hairline upstrokes and joins.
``write_dataset`` renders many images from a list of review texts and writes ``truth.jsonl``.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inksight.ocr.errors import OcrError
from inksight.ocr.reader import read_image

__all__ = [
    "BLANKS",
    "EXAMPLE_REVIEWS",
    "HARD_PAPERS",
    "INKS",
    "PAPERS",
    "Kind",
    "Style",
    "SynthLine",
    "SynthSample",
    "TIERS",
    "Tier",
    "blank_pdf",
    "clean_review_text",
    "render_blank",
    "series_blank",
    "render_text",
    "sample_text",
    "write_dataset",
]

Kind = Literal["line", "page"]
Style = Literal["clean", "photo"]
Tier = Literal["standard", "hard"]
TIERS: tuple[str, ...] = ("standard", "hard")
PAPERS = ("white", "cream", "lined", "squared")
# Images with no writing at all, on which a reader must find nothing.
BLANKS = (
    "white",
    "lined",
    "squared",
    "white-photo",
    "lined-photo",
    "squared-photo",
    "noise",
    "wall",
    "desk-photo",  # the hard tier's photo of an empty sheet or sticky note on a cluttered desk
)

# Short reviews for tests and the web app's examples: (text, label).
EXAMPLE_REVIEWS: tuple[tuple[str, str], ...] = (
    ("A wonderful film with a moving story and superb acting. I loved every minute.", "pos"),
    ("The cast is brilliant and the music is beautiful. A real joy to watch.", "pos"),
    ("Funny, warm and clever. The best comedy I have seen this year.", "pos"),
    ("A gripping thriller that kept me guessing until the very end.", "pos"),
    ("Great photography and a strong lead performance. Highly recommended!", "pos"),
    ("A boring mess. The plot makes no sense and the acting is wooden.", "neg"),
    ("Two hours of my life I will never get back. Awful dialogue.", "neg"),
    ("The jokes fall flat and the story drags. I almost fell asleep.", "neg"),
    ("Terrible script, cheap effects and a silly ending. Avoid it.", "neg"),
    ("A dull and predictable sequel that wastes a good cast.", "neg"),
)

# Characters every installed handwriting font draws; anything else is dropped from the text.
_ALLOWED = re.compile(r"[^A-Za-z0-9 .,;:!?'\"()&/-]")
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_TYPOGRAPHIC.update({ord("\u2013"): "-", ord("\u2014"): "-", ord("\u2026"): "..."})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LONGEST_WORD = 16  # longer tokens are URLs or run-ons that no line could hold


@dataclass(frozen=True)
class SynthLine:
    """One written line: its text and its box (four corners, clockwise from top-left) in pixels."""

    text: str
    box: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict:
        return {"text": self.text, "box": [[round(x, 1), round(y, 1)] for x, y in self.box]}


@dataclass
class SynthSample:
    """A rendered image with its truth: lines in reading order and how it was made."""

    image: Image.Image
    lines: list[SynthLine]
    font: str
    kind: Kind
    style: Style
    seed: int
    tier: Tier = "standard"
    effects: list[str] = field(default_factory=list)  # e.g. ["ink=pencil", "blur=motion"]
    x_height: float | None = None  # of the writing in the final image, in pixels (hard tier)
    # The photographed sheet's corners in the image (hard page photos): truth for the sheet finder.
    sheet: tuple[tuple[float, float], ...] | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def truth(self, image_path: str) -> dict:
        """The ``truth.jsonl`` record of this sample, for an image saved at ``image_path``."""
        return {
            "image": image_path,
            "text": self.text,
            "lines": [line.to_dict() for line in self.lines],
            "font": self.font,
            "kind": self.kind,
            "style": self.style,
            "seed": self.seed,
            "tier": self.tier,
            "effects": list(self.effects),
            **({"x_height": round(self.x_height, 1)} if self.x_height is not None else {}),
            **(
                {"sheet": [[round(x, 1), round(y, 1)] for x, y in self.sheet]} if self.sheet else {}
            ),
        }


def clean_review_text(text: str) -> str:
    """Turn a raw review into text the fonts can write: ASCII, no HTML breaks, single spaces."""
    text = text.replace("<br />", " ").replace("<br>", " ").translate(_TYPOGRAPHIC)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _ALLOWED.sub(" ", text).split()
    return " ".join(
        w
        for w in words
        if len(w) <= _LONGEST_WORD and (w in ("-", "&") or any(c.isalnum() for c in w))
    )


def sample_text(texts: Sequence[str], rng: np.random.Generator, kind: Kind) -> str:
    """Pick a stretch of real review text: 3-9 words for a line, 25-55 words for a page."""
    wanted = int(rng.integers(3, 10)) if kind == "line" else int(rng.integers(25, 56))
    words: list[str] = []
    for _attempt in range(20):
        sentences = _SENTENCE_END.split(clean_review_text(texts[int(rng.integers(len(texts)))]))
        sentences = [s for s in sentences if len(s.split()) >= 3]
        if not sentences:
            continue
        start = int(rng.integers(len(sentences)))
        if kind == "line":
            sentence = sentences[start].split()
            offset = int(rng.integers(max(1, len(sentence) - wanted + 1)))
            return " ".join(sentence[offset : offset + wanted])
        for sentence in sentences[start:]:
            words.extend(sentence.split())
            if len(words) >= wanted:
                return " ".join(words[:wanted])
    if not words:
        raise OcrError("The review texts give no sentence of three words or more to write.")
    return " ".join(words)


# --- 1. words as ink masks -------------------------------------------------------------------


@dataclass(frozen=True)
class _Hand:
    """How one writer writes on one sheet: drawn once per image so the writing looks consistent."""

    size: int  # font size in pixels
    slant: float  # mean shear of words (positive leans right)
    stroke: int  # extra stroke width in pixels
    spacing: float  # extra gap between letters, in font sizes
    word_gap: float  # space between words, in font sizes
    jitter: float  # scale of per-character randomness
    wobble: float = 0.0  # baseline wave along a line, in font sizes (hard tier)
    elastic: float = 0.04  # stroke wobble, in font sizes


@functools.lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError as error:
        raise OcrError(f"Cannot read the font file {path}; reinstall the fonts.") from error


@dataclass
class _Word:
    mask: np.ndarray  # ink coverage 0..1
    baseline: int  # row of the baseline in mask
    left: int  # first and last columns holding ink
    right: int


def _render_word(word: str, font_path: str, hand: _Hand, rng: np.random.Generator) -> _Word:
    base = _font(font_path, hand.size)
    ascent, descent = base.getmetrics()
    pad = hand.size
    height = ascent + descent + 2 * pad
    baseline = pad + ascent
    width = int(sum(base.getlength(c) for c in word) * 1.3) + 2 * pad
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    x = float(pad)
    for char in word:
        size = max(8, round(hand.size * (1 + rng.normal(0, 0.05 * hand.jitter))))
        font = _font(font_path, size)
        dy = rng.normal(0, 0.025 * hand.jitter) * hand.size
        draw.text(
            (x, baseline + dy),
            char,
            font=font,
            fill=255,
            anchor="ls",
            stroke_width=hand.stroke,
            stroke_fill=255,
        )
        advance = font.getlength(char) + hand.stroke
        x += advance + (hand.spacing + rng.normal(0, 0.02 * hand.jitter)) * hand.size
    shear = hand.slant + rng.normal(0, 0.04 * hand.jitter)
    # x_in = x_out + shear * (y - baseline): letters lean about their baseline.
    canvas = canvas.transform(
        canvas.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * baseline, 0, 1, 0),
        resample=Image.Resampling.BILINEAR,
    )
    mask = np.asarray(canvas, dtype=np.float32) / 255.0
    columns = np.flatnonzero(mask.max(axis=0) > 0.1)
    if columns.size == 0:  # a glyph the font draws as nothing; keep a sliver so layout works
        columns = np.array([pad, pad + 1])
    return _Word(mask, baseline, int(columns[0]), int(columns[-1]))


# --- 2. lines: wrap, place, distort -----------------------------------------------------------


def _wrap(words: list[_Word], gap: float, max_width: float | None) -> list[list[int]]:
    """Greedy word wrap; returns the word indices of each line."""
    lines: list[list[int]] = [[]]
    width = 0.0
    for index, word in enumerate(words):
        word_width = word.right - word.left
        needed = word_width if not lines[-1] else width + gap + word_width
        if max_width is not None and lines[-1] and needed > max_width:
            lines.append([index])
            width = word_width
        else:
            lines[-1].append(index)
            width = needed
    return lines


def _grain(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Pixel noise (float32: images are large and float64 noise doubles the cost)."""
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Random field varying over about ``cell`` pixels, roughly in -1..1."""
    grid = rng.normal(0, 1, (max(2, int(height / cell) + 2), max(2, int(width / cell) + 2)))
    return cv2.resize(grid.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)


def _elastic(
    mask: np.ndarray, rng: np.random.Generator, size: int, share: float = 0.04
) -> np.ndarray:
    """A gentle wobble of the strokes (``share`` of the font size), as a hand is never a printer."""
    height, width = mask.shape
    amplitude = share * size
    dx = _smooth_noise(rng, height, width, 0.7 * size) * amplitude
    dy = _smooth_noise(rng, height, width, 0.7 * size) * amplitude
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def _paste_max(target: np.ndarray, source: np.ndarray, x: int, y: int) -> None:
    """Draw ``source`` into ``target`` at (x, y), keeping the darker ink, clipped to ``target``."""
    top, left = max(0, y), max(0, x)
    bottom = min(target.shape[0], y + source.shape[0])
    right = min(target.shape[1], x + source.shape[1])
    if bottom > top and right > left:
        region = target[top:bottom, left:right]
        np.maximum(region, source[top - y : bottom - y, left - x : right - x], out=region)


def _render_line(
    words: list[_Word], hand: _Hand, gap: float, rng: np.random.Generator
) -> tuple[np.ndarray, int, tuple[int, int, int, int]]:
    """Lay words side by side on one strip; return the strip, its baseline row and ink box."""
    pad = hand.size
    top = max(w.baseline for w in words) + pad
    bottom = max(w.mask.shape[0] - w.baseline for w in words) + pad
    width = int(sum(w.right - w.left for w in words) + gap * 1.6 * len(words)) + 2 * pad
    strip = np.zeros((top + bottom, width), dtype=np.float32)
    x = float(pad)
    drift = rng.normal(0, 0.03) * hand.size  # the line wanders a little off the rule
    # A hard hand's baseline waves up and down along the line (drawn only then: the standard
    # tier's random draws, and so its pixels, stay as they were).
    phase, period = (rng.uniform(0, 2 * np.pi), rng.uniform(2.5, 6)) if hand.wobble else (0, 1)
    for i, word in enumerate(words):
        wave = hand.wobble * hand.size * np.sin(phase + 2 * np.pi * i / period)
        dy = round(drift * i / max(1, len(words) - 1) + rng.normal(0, 0.02) * hand.size + wave)
        x0 = round(x) - word.left
        y0 = top - word.baseline + dy
        _paste_max(strip, word.mask, x0, y0)
        x += word.right - word.left + gap * (1 + rng.normal(0, 0.12 * hand.jitter))
    strip = _elastic(strip, rng, hand.size, hand.elastic)
    rows = np.flatnonzero(strip.max(axis=1) > 0.1)
    cols = np.flatnonzero(strip.max(axis=0) > 0.1)
    return strip, top, (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


# --- 3. paper and ink -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    baselines: list[int]
    pitch: int
    margin: int


def _paper(layout: _Layout, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """A sheet as float RGB 0..255: white or cream, plain, lined or squared, with a little grain."""
    kind = kind or str(rng.choice(PAPERS))
    if kind == "cream" or rng.random() < 0.25:
        colour = np.array([248, 241, 222]) + rng.normal(0, 3, 3)
    else:
        colour = np.array([250, 250, 248]) + rng.normal(0, 2, 3)
    height, width = layout.height, layout.width
    sheet = np.empty((height, width, 3), dtype=np.float32)
    sheet[:] = np.clip(colour, 0, 255)
    sheet += _smooth_noise(rng, height, width, 6)[..., None] * 1.5
    rule = np.array([165, 195, 230]) + rng.normal(0, 8, 3)  # the light blue of notebook rules
    if kind == "lined":
        first = layout.baselines[0] % layout.pitch
        for y in range(first, height, layout.pitch):
            sheet[y : y + 2] = sheet[y : y + 2] * 0.4 + rule * 0.6
        if rng.random() < 0.5:  # the red margin line
            x = max(2, layout.margin - layout.pitch // 3)
            sheet[:, x : x + 2] = sheet[:, x : x + 2] * 0.4 + np.array([225, 120, 120]) * 0.6
    elif kind == "squared":
        cell = layout.pitch // 2
        first = layout.baselines[0] % cell
        for y in range(first, height, cell):
            sheet[y : y + 1] = sheet[y : y + 1] * 0.5 + rule * 0.5
        for x in range(int(rng.integers(cell)), width, cell):
            sheet[:, x : x + 1] = sheet[:, x : x + 1] * 0.5 + rule * 0.5
    return sheet


def _ink(sheet: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lay ink (blue or black, with uneven pressure) on the sheet where ``mask`` says."""
    if rng.random() < 0.5:
        colour = np.array([22, 38, 140]) + rng.normal(0, 12, 3)  # blue ballpoint
    else:
        colour = np.array([28, 28, 32]) + rng.normal(0, 6, 3)
    pressure = 0.85 + 0.1 * _smooth_noise(rng, *mask.shape, 40)
    alpha = np.clip(mask * pressure * rng.uniform(0.88, 1.0), 0, 1)[..., None]
    return sheet * (1 - alpha) + np.clip(colour, 0, 255).astype(np.float32) * alpha


# --- 4. scan or photo -------------------------------------------------------------------------


def _table(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A table top: wood grain or a plain desk."""
    if rng.random() < 0.5:
        colour = (np.array([150, 105, 65]) * rng.uniform(0.6, 1.2)).astype(np.float32)
        rows = np.linspace(0, rng.uniform(20, 60), height, dtype=np.float32)[:, None]
        grain = np.sin(rows + 3 * _smooth_noise(rng, height, width, 60))
        brightness = 1 + 0.12 * grain
    else:
        colour = (rng.uniform(50, 200) + rng.normal(0, 8, 3)).astype(np.float32)
        brightness = np.ones((height, width), dtype=np.float32)
    brightness += _smooth_noise(rng, height, width, 30) * (10 / colour.mean())
    return brightness[..., None] * colour


def _photo_geometry(
    rng: np.random.Generator, width: int, height: int, kind: Kind
) -> tuple[np.ndarray, int, int]:
    """A homography from the sheet to the photo frame, and the frame size."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    angle = np.deg2rad(rng.uniform(-8, 8) if kind == "page" else rng.uniform(-3, 3))
    wobble = 0.035 if kind == "page" else 0.015
    centre = corners.mean(axis=0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (corners - centre) @ rotation.T
    moved += rng.uniform(-wobble, wobble, moved.shape) * [width, height]
    if kind == "page":  # the sheet lies on a table, all of it in the frame
        frame_w = int(width * rng.uniform(1.15, 1.35))
        frame_h = int(height * rng.uniform(1.15, 1.35))
        moved *= min(
            1.0,
            0.95 * frame_w / (np.ptp(moved[:, 0]) + 1),
            0.95 * frame_h / (np.ptp(moved[:, 1]) + 1),
        )
        moved += [frame_w / 2, frame_h / 2]
    else:  # a line photo is cropped around the tilted strip, so no ink leaves the frame
        moved -= moved.min(axis=0)
        frame_w, frame_h = (int(np.ceil(v)) + 1 for v in moved.max(axis=0))
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    return matrix, frame_w, frame_h


def _lighting(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Uneven light (a gradient and a vignette) and, often, a soft shadow across the frame."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs / width - 0.5, ys / height - 0.5
    light = 1 + rng.uniform(-0.3, 0.3) * u + rng.uniform(-0.3, 0.3) * v
    light -= rng.uniform(0, 0.35) * (u**2 + v**2)
    if rng.random() < 0.6:
        angle = rng.uniform(0, 2 * np.pi)
        offset = rng.uniform(0.15, 0.45)
        distance = u * np.cos(angle) + v * np.sin(angle) - offset
        edge = 1 / (1 + np.exp(-distance / rng.uniform(0.01, 0.06)))
        light *= 1 - rng.uniform(0.25, 0.45) * edge
    return (light * rng.uniform(0.85, 1.05)).astype(np.float32)


def _photograph(
    sheet: np.ndarray, rng: np.random.Generator, kind: Kind
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """Photograph the sheet; return the matrix from sheet to image and the JPEG bytes."""
    height, width = sheet.shape[:2]
    matrix, frame_w, frame_h = _photo_geometry(rng, width, height, kind)
    if kind == "page":
        frame = _table(rng, frame_h, frame_w)
        cover = cv2.warpPerspective(
            np.ones((height, width), np.float32), matrix, (frame_w, frame_h)
        )[..., None]
        warped = cv2.warpPerspective(sheet, matrix, (frame_w, frame_h))
        frame = frame * (1 - cover) + warped * cover
    else:
        frame = cv2.warpPerspective(
            sheet, matrix, (frame_w, frame_h), borderMode=cv2.BORDER_REPLICATE
        )  # more of the same paper around the strip
    frame *= _lighting(rng, frame_h, frame_w)[..., None]
    frame *= rng.uniform(0.94, 1.04, 3)  # white balance
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.3, 1.2))
    scale = rng.uniform(0.6, 0.9) if kind == "page" else rng.uniform(0.7, 1.0)
    size = (max(1, round(frame_w * scale)), max(1, round(frame_h * scale)))
    frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    frame += _grain(rng, frame.shape, rng.uniform(2, 6))
    matrix = np.diag([size[0] / frame_w, size[1] / frame_h, 1.0]) @ matrix
    image = Image.fromarray(np.clip(frame, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(45, 86)))
    return np.clip(frame, 0, 255), matrix, buffer.getvalue()


def _map_box(
    box: tuple[int, int, int, int], matrix: np.ndarray, width: int, height: int
) -> tuple[tuple[float, float], ...]:
    x0, y0, x1, y1 = box
    corners = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], dtype=np.float64)
    mapped = cv2.perspectiveTransform(corners, matrix)[0]
    mapped[:, 0] = mapped[:, 0].clip(0, width)
    mapped[:, 1] = mapped[:, 1].clip(0, height)
    return tuple((float(x), float(y)) for x, y in mapped)


# --- putting it together ----------------------------------------------------------------------


@dataclass
class _Rendered:
    sample: SynthSample
    jpeg: bytes | None = field(default=None, repr=False)


def _draw_hand(rng: np.random.Generator, style: Style) -> _Hand:
    return _Hand(
        size=int(rng.integers(44, 62)),
        slant=rng.uniform(-0.2, 0.25),
        stroke=int(rng.random() < 0.4),
        spacing=rng.uniform(-0.01, 0.04),
        word_gap=rng.uniform(0.3, 0.5),
        jitter=rng.uniform(0.5, 1.0) if style == "clean" else rng.uniform(0.7, 1.2),
    )


def _render(
    text: str, font_name: str, font_path: Path, kind: Kind, style: Style, seed: int
) -> _Rendered:
    # One generator drawn in a fixed order through every step: the same seed, the same pixels.
    rng = np.random.default_rng(seed)
    hand = _draw_hand(rng, style)
    words = [_render_word(w, str(font_path), hand, rng) for w in text.split()]
    if not words:
        raise OcrError("There is no text to write: give at least one word.")
    layout, strips = _lay_out(words, hand, kind, rng)
    ink, boxes = _place_strips(strips, layout)
    texts = [" ".join(text.split()[i] for i in line) for _strip, line in strips]
    sheet = _ink(_paper(layout, rng), ink, rng)
    pixels, matrix, jpeg = _scan_or_photograph(sheet, style, kind, rng)
    out_h, out_w = pixels.shape[:2]
    lines = [
        SynthLine(t, _map_box(b, matrix, out_w, out_h)) for t, b in zip(texts, boxes, strict=True)
    ]
    image = (
        read_image(jpeg)  # the photo as a camera would store it
        if jpeg is not None
        else Image.fromarray(pixels.astype(np.uint8))
    )
    return _Rendered(SynthSample(image, lines, font_name, kind, style, seed), jpeg)


# A rendered line strip (mask, baseline row, ink box) and the indices of the words on it.
_Strip = tuple[tuple[np.ndarray, int, tuple[int, int, int, int]], list[int]]


def _lay_out(
    words: list[_Word],
    hand: _Hand,
    kind: Kind,
    rng: np.random.Generator,
    widths: tuple[float, float] = (19, 25),
) -> tuple[_Layout, list[_Strip]]:
    """Wrap the words into line strips and size the sheet (``widths`` in font sizes) around them."""
    gap = hand.size * hand.word_gap
    margin = int(hand.size * rng.uniform(0.8, 1.6))
    pitch = int(hand.size * rng.uniform(1.45, 1.8))
    if kind == "page":
        width = int(hand.size * rng.uniform(*widths))
        # No word may be wider than the writing area, or it would run off the sheet.
        width = max(width, max(w.right - w.left for w in words) + 2 * margin + 2 * hand.size)
        max_width = width - 2 * margin - hand.size * rng.uniform(0, 1.5)
    else:
        max_width = None
    strips = [
        (_render_line([words[i] for i in line], hand, gap, rng), line)
        for line in _wrap(words, gap, max_width)
    ]
    top = int(hand.size * (rng.uniform(1.2, 2.0) if kind == "page" else rng.uniform(1.0, 1.3)))
    baselines = [top + i * pitch for i in range(len(strips))]
    if kind == "line":
        (_strip, _base, (x0, _y0, x1, _y1)), _ = strips[0]
        width = x1 - x0 + 2 * margin
    bottom = rng.uniform(1.0, 3.0) if kind == "page" else rng.uniform(0.8, 1.1)
    height = baselines[-1] + int(hand.size * bottom)
    if kind == "page":
        height = max(height, int(width * rng.uniform(0.9, 1.3)))
    return _Layout(width, height, baselines, pitch, margin), strips


def _place_strips(
    strips: list[_Strip], layout: _Layout
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Paste each strip's ink on its baseline; returns the ink mask and each line's box."""
    width, height, margin = layout.width, layout.height, layout.margin
    page = np.zeros((height, width), dtype=np.float32)
    boxes: list[tuple[int, int, int, int]] = []
    for ((strip, strip_base, (x0, y0, x1, y1)), _line), baseline in zip(
        strips, layout.baselines, strict=True
    ):
        left, top = margin, baseline - strip_base + y0
        _paste_max(page, strip[y0:y1, x0:x1], left, top)
        # Clipped to the sheet: a descender of the last line may touch the edge of a line image.
        boxes.append(
            (
                left - 2,
                max(0, top - 2),
                min(width, left + x1 - x0 + 2),
                min(height, top + y1 - y0 + 2),
            )
        )
    return page, boxes


def _scan_or_photograph(
    sheet: np.ndarray, style: Style, kind: Kind, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, bytes | None]:
    """The sheet as a flat scan, or photographed; returns pixels, the page-to-image matrix, JPEG."""
    if style == "clean":
        sheet += _grain(rng, sheet.shape, 1.2)  # scanner noise
        return np.clip(sheet, 0, 255), np.eye(3), None
    return _photograph(sheet, rng, kind)


# --- the hard tier ----------------------------------------------------------------------------

INKS = ("ballpoint", "felt-pen", "pencil")
HARD_PAPERS = ("white", "lined", "squared", "sticky-note", "index-card")
# Sheet width in font sizes, and height / width, per paper: small notes hold small writing.
_SHEETS = {
    "sticky-note": ((13, 17), (0.95, 1.05)),
    "index-card": ((17, 22), (0.6, 0.66)),
}
_NOTEBOOK = ((22, 30), (1.25, 1.45))
_STICKY = ([252, 236, 128], [250, 190, 205], [200, 240, 170], [180, 220, 245])


@functools.lru_cache(maxsize=64)
def _x_height_ratio(path: str) -> float:
    """Height of a lower-case x over the font size (script fonts run from about 0.2 to 0.5)."""
    top = _font(path, 100).getbbox("x", anchor="ls")[1]
    return max(0.15, -top / 100)


def _draw_hard_hand(rng: np.random.Generator, size: int, ink: str) -> _Hand:
    return _Hand(
        size=size,
        slant=rng.uniform(-0.15, 0.45),
        stroke=max(1, round(size / 35)) if ink == "felt-pen" else 0,
        spacing=rng.uniform(-0.02, 0.03),
        word_gap=rng.uniform(0.28, 0.55),
        jitter=rng.uniform(1.0, 1.8),
        wobble=rng.uniform(0.02, 0.07),
        elastic=rng.uniform(0.04, 0.07),
    )


def _hard_paper(layout: _Layout, rng: np.random.Generator, paper: str) -> np.ndarray:
    """Notebook paper as in the standard tier, or a coloured sticky note, or a ruled index card."""
    if paper == "sticky-note":
        sheet = _paper(layout, rng, "white")
        return sheet * (np.array(_STICKY[int(rng.integers(len(_STICKY)))]) / 250)
    sheet = _paper(layout, rng, "lined" if paper == "index-card" else paper)
    if paper == "index-card":  # the red header rule above the first written line
        y = max(0, layout.baselines[0] - layout.pitch)
        sheet[y : y + 2] = sheet[y : y + 2] * 0.3 + np.array([220, 90, 100]) * 0.7
    return sheet


def _hard_ink(
    sheet: np.ndarray, mask: np.ndarray, rng: np.random.Generator, ink: str
) -> np.ndarray:
    """Ballpoint (uneven pressure), felt pen (solid, dark) or pencil (grey, grainy, faint)."""
    if ink == "pencil":
        colour = np.full(3, rng.uniform(60, 100))
        grain = cv2.GaussianBlur(rng.random(mask.shape, dtype=np.float32), (0, 0), 0.7)
        alpha = mask * rng.uniform(0.4, 0.65) * (0.55 + 0.9 * grain)
    elif ink == "felt-pen":
        colour = np.array(([20, 20, 25], [25, 40, 120], [20, 80, 50])[int(rng.integers(3))])
        alpha = np.clip(mask * 1.3, 0, 1) * rng.uniform(0.88, 0.98)
    else:
        blue = rng.random() < 0.5
        colour = np.array([30, 45, 150] if blue else [35, 35, 40]) + rng.normal(0, 10, 3)
        pressure = 0.78 + 0.18 * _smooth_noise(rng, *mask.shape, 25)
        alpha = mask * pressure * rng.uniform(0.7, 0.95)
    alpha = np.clip(alpha, 0, 1)[..., None]
    return sheet * (1 - alpha) + np.clip(colour, 0, 255).astype(np.float32) * alpha


def _cluttered_table(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A table with things on it (other papers, a book, a mug, a pen) around the sheet."""
    frame = _table(rng, height, width)
    for _ in range(int(rng.integers(2, 6))):
        colour = tuple(float(c) for c in rng.uniform(30, 240, 3))
        centre = rng.uniform(0, 1, 2) * [width, height]
        what = rng.integers(3)
        if what == 0:  # a book or another sheet, turned
            size = rng.uniform(0.15, 0.45, 2) * min(width, height)
            rect = ((float(centre[0]), float(centre[1])), tuple(size), float(rng.uniform(0, 180)))
            cv2.fillPoly(frame, [cv2.boxPoints(rect).astype(np.int32)], colour)
        elif what == 1:  # a mug from above
            radius = int(rng.uniform(0.05, 0.1) * min(width, height))
            cv2.circle(frame, tuple(int(c) for c in centre), radius, colour, -1)
            cv2.circle(frame, tuple(int(c) for c in centre), radius, (40.0, 40.0, 40.0), 3)
        else:  # a pen
            end = centre + rng.uniform(-0.2, 0.2, 2) * [width, height]
            thickness = max(3, int(0.012 * min(width, height)))
            cv2.line(frame, tuple(map(int, centre)), tuple(map(int, end)), colour, thickness)
    return frame


def _blur(frame: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Defocus, motion blur (a shaking hand) or only the lens's own softness."""
    choice = str(rng.choice(["defocus", "motion", "sharp"], p=[0.35, 0.35, 0.3]))
    if choice == "defocus":
        return cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.9, 1.5)), choice
    if choice == "motion":
        return motion_blur(frame, int(rng.integers(3, 7)), rng.uniform(0, 180)), choice
    return cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.3, 0.6)), choice


def motion_blur(frame: np.ndarray, length: int, angle: float) -> np.ndarray:
    """``frame`` smeared along a straight path of ``length`` pixels at ``angle`` degrees, as a
    camera moving while its shutter is open smears it."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1 / length
    turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    return cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))


def _hard_light(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, bool]:
    """A gradient, a vignette and (often) a hard-edged shadow, as of a phone held over the page."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs / width - 0.5, ys / height - 0.5
    light = 1 + rng.uniform(-0.35, 0.35) * u + rng.uniform(-0.35, 0.35) * v
    light -= rng.uniform(0.05, 0.4) * (u**2 + v**2)
    shadow = bool(rng.random() < 0.7)
    if shadow:
        angle = rng.uniform(0, 2 * np.pi)
        distance = u * np.cos(angle) + v * np.sin(angle) - rng.uniform(-0.2, 0.3)
        light *= 1 - rng.uniform(0.3, 0.55) / (1 + np.exp(-distance / rng.uniform(0.01, 0.05)))
    return (light * rng.uniform(0.85, 1.05)).astype(np.float32), shadow


def _hard_geometry(
    rng: np.random.Generator, width: int, height: int, kind: Kind
) -> tuple[np.ndarray, int, int, list[str]]:
    """Sheet-to-frame homography with rotation up to 15 degrees and keystone; the frame size."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    angle = rng.uniform(-15, 15) if kind == "page" else rng.uniform(-6, 6)
    keystone = rng.uniform(0, 0.15) if kind == "page" else rng.uniform(0, 0.05)
    moved = corners.copy()
    edge = (0, 1) if rng.random() < 0.5 else (3, 2)  # the far edge looks shorter
    moved[edge[0], 0] += keystone * width / 2
    moved[edge[1], 0] -= keystone * width / 2
    theta = np.deg2rad(angle)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    moved = (moved - corners.mean(axis=0)) @ rotation.T
    moved += rng.uniform(-0.015, 0.015, moved.shape) * [width, height]
    moved -= moved.min(axis=0)
    span_w, span_h = np.ptp(moved[:, 0]), np.ptp(moved[:, 1])
    effects = [f"rotation {'>' if abs(angle) > 8 else '<='}8deg"]
    effects += ["keystone"] if keystone > 0.07 else []
    if kind == "page":  # the sheet takes a fraction of the frame, anywhere in it
        share = rng.uniform(0.45, 0.8)
        frame_w, frame_h = int(span_w / share), int(span_h / rng.uniform(0.55, 0.85))
        moved += [rng.uniform(0, frame_w - span_w), rng.uniform(0, frame_h - span_h)]
        effects.append(f"sheet {'<' if share < 0.6 else '>='}60% of frame width")
    else:  # a line photo is cropped around the strip, with some paper around it
        margin = rng.uniform(0.02, 0.08) * span_w
        moved += margin
        frame_w, frame_h = int(span_w + 2 * margin) + 1, int(span_h + 2 * margin) + 1
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    return matrix, frame_w, frame_h, effects


def _hard_photograph(
    sheet: np.ndarray, rng: np.random.Generator, kind: Kind, scale: float
) -> tuple[np.ndarray, np.ndarray, bytes, list[str]]:
    """The sheet shrunk by ``scale`` and photographed; pixels, matrix, JPEG bytes and effects."""
    small, shrink = _shrink(sheet, scale)
    height, width = small.shape[:2]
    matrix, frame_w, frame_h, effects = _hard_geometry(rng, width, height, kind)
    warped = cv2.warpPerspective(
        small, matrix, (frame_w, frame_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    if kind == "page":
        cover = cv2.warpPerspective(
            np.ones((height, width), np.float32), matrix, (frame_w, frame_h)
        )
        frame = _cluttered_table(rng, frame_h, frame_w)
        frame = frame * (1 - cover[..., None]) + warped * cover[..., None]
    else:
        frame = warped
    light, shadow = _hard_light(rng, frame_h, frame_w)
    frame = frame * light[..., None] * rng.uniform(0.9, 1.06, 3).astype(np.float32)
    frame, blur = _blur(frame.astype(np.float32), rng)
    noise = rng.uniform(3, 9)
    frame = np.clip(frame + _grain(rng, frame.shape, noise), 0, 255)
    quality = int(rng.integers(60, 86))
    buffer = io.BytesIO()
    Image.fromarray(frame.astype(np.uint8)).save(buffer, format="JPEG", quality=quality)
    effects += [f"blur={blur}", "shadow" if shadow else "no shadow"]
    effects += [
        f"jpeg {'<70' if quality < 70 else '>=70'}",
        f"noise {'>6' if noise > 6 else '<=6'}",
    ]
    return frame, matrix @ shrink, buffer.getvalue(), effects


def _shrink(sheet: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The sheet resized by ``scale`` (area averaging, as a sensor does) and that as a matrix."""
    height, width = sheet.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(sheet, size, interpolation=cv2.INTER_AREA)
    return small, np.diag([size[0] / width, size[1] / height, 1.0])


def _hard_scan(
    sheet: np.ndarray, rng: np.random.Generator, scale: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A flat scan at a resolution where the writing is small, with a scanner's softness."""
    small, matrix = _shrink(sheet, scale)
    small = cv2.GaussianBlur(small, (0, 0), rng.uniform(0.3, 0.6))
    small = np.clip(small + _grain(rng, small.shape, rng.uniform(1.5, 3)), 0, 255)
    return small, matrix, ["scan"]


def _x_height_bucket(x_height: float) -> str:
    return (
        "x-height <16px"
        if x_height < 16
        else ("x-height 16-20px" if x_height < 20 else "x-height >=20px")
    )


def _thin_strokes(mask: np.ndarray, share: float) -> np.ndarray:
    """The ink mask with ``share`` of its typical stroke width worn away, half from each side.

    The pointed-pen hands draw strokes about 0.06-0.13 of their x-height wide, the tuning
    families' 0.11-0.19 (median 0.145): thinning the tuning hands puts hairline writing in a
    development set without showing it a held-out font.
    """
    strokes = _strokes(mask)
    if strokes is None:
        return mask
    depth, _ridge, half_width = strokes
    return np.clip(depth - share * half_width, 0, 1).astype(np.float32)


def _strokes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Each ink pixel's distance to the paper, the strokes' centre lines (where that distance
    peaks) and their typical half width; None for a mask without ink."""
    solid = (mask > 0.5).astype(np.uint8)
    depth = cv2.distanceTransform(solid, cv2.DIST_L2, 3)
    ridge = (depth > 0) & (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8)))
    if not ridge.any():
        return None
    return depth, ridge, float(np.median(depth[ridge]))


def _pointed_strokes(mask: np.ndarray, share: float) -> np.ndarray:
    """The ink mask as a pointed pen draws it: strokes running up and down swell sideways by
    about 0.8 of their half width, and the more a stroke runs across (joins, upstrokes, the
    tops of arches) the more of ``share`` of its width is worn away, down to a one-pixel hairline
    that is never lost. Pressure on the downstroke, none on the way up: the look of copperplate
    and of the pointed-pen script fonts, drawn from hands that lack it.
    """
    strokes = _strokes(mask)
    if strokes is None:
        return mask
    _depth, ridge, half_width = strokes
    solid = (mask > 0.5).astype(np.uint8)
    swell = max(1, round(half_width * 0.8))
    wide = cv2.dilate(solid, np.ones((1, 2 * swell + 1), np.uint8))
    depth = cv2.distanceTransform(wide, cv2.DIST_L2, 3)
    # Which way each stroke runs, from the structure tensor of the blurred ink.
    blurred = cv2.GaussianBlur(wide.astype(np.float32), (0, 0), max(half_width, 1.0))
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1)
    across = cv2.GaussianBlur(gx * gx, (0, 0), half_width + 1)
    along = cv2.GaussianBlur(gy * gy, (0, 0), half_width + 1)
    upright = across / (across + along + 1e-9)  # 1: the stroke runs up and down
    worn = np.clip(depth - share * (half_width + swell) * (1 - upright) ** 0.7, 0, 1)
    hairline = cv2.GaussianBlur(ridge.astype(np.float32), (0, 0), 0.6) * 1.6
    return np.clip(np.maximum(worn, hairline), 0, 1).astype(np.float32)


def _restroke(mask: np.ndarray, thin: float, pointed: float) -> tuple[np.ndarray, list[str]]:
    """The ink mask with its strokes thinned and/or pointed as asked, and the effects to record."""
    effects = []
    if thin:
        mask = _thin_strokes(mask, thin)
        effects.append(f"strokes thinned {thin:g}")
    if pointed:
        mask = _pointed_strokes(mask, pointed)
        effects.append(f"pointed pen {pointed:g}")
    return mask, effects


def _render_hard(
    text: str,
    font_name: str,
    font_path: Path,
    kind: Kind,
    style: Style,
    seed: int,
    thin: float = 0.0,
    pointed: float = 0.0,
) -> _Rendered:
    """One hard sample: choose the x-height first, then size the hand so it lands there.
    ``thin`` wears that share of the stroke width away, ``pointed`` draws the strokes with a
    pointed pen's contrast (development and training sets only)."""
    rng = np.random.default_rng(seed)
    ink = str(rng.choice(INKS, p=[0.5, 0.25, 0.25]))
    paper = str(rng.choice(HARD_PAPERS))
    x_height = rng.uniform(12, 24) if style == "photo" else rng.uniform(14, 28)
    ratio = _x_height_ratio(str(font_path))
    # Drawn larger, then shrunk as a camera or scanner does: thin strokes grey out, as in life.
    # Capped at 90 px so pages of script fonts with a tiny x-height stay quick to draw.
    size = int(np.clip(round(x_height / (ratio * rng.uniform(0.6, 0.9))), 24, 90))
    hand = _draw_hard_hand(rng, size, ink)
    words = [_render_word(w, str(font_path), hand, rng) for w in text.split()]
    if not words:
        raise OcrError("There is no text to write: give at least one word.")
    widths, aspects = _SHEETS.get(paper, _NOTEBOOK)
    layout, strips = _lay_out(words, hand, kind, rng, widths)
    if kind == "page":
        layout = dataclasses.replace(
            layout, height=max(layout.height, int(layout.width * rng.uniform(*aspects)))
        )
    ink_mask, boxes = _place_strips(strips, layout)
    ink_mask, stroke_effects = _restroke(ink_mask, thin, pointed)
    texts = [" ".join(text.split()[i] for i in line) for _strip, line in strips]
    sheet = _hard_ink(_hard_paper(layout, rng, paper), ink_mask, rng, ink)
    scale = x_height / (ratio * size)
    jpeg = None
    if style == "clean":
        pixels, matrix, effects = _hard_scan(sheet, rng, scale)
    else:
        pixels, matrix, jpeg, effects = _hard_photograph(sheet, rng, kind, scale)
    out_h, out_w = pixels.shape[:2]
    lines = [
        SynthLine(t, _map_box(b, matrix, out_w, out_h)) for t, b in zip(texts, boxes, strict=True)
    ]
    effects = [f"ink={ink}", f"paper={paper}", _x_height_bucket(x_height), *effects]
    effects += stroke_effects
    image = read_image(jpeg) if jpeg is not None else Image.fromarray(pixels.astype(np.uint8))
    corners = None
    if kind == "page" and style == "photo":  # a photographed page lies whole in its frame
        height, width = sheet.shape[:2]
        outline = np.float64([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
        corners = tuple(map(tuple, cv2.perspectiveTransform(outline, matrix).reshape(4, 2)))
    sample = SynthSample(
        image, lines, font_name, kind, style, seed, "hard", effects, x_height, corners
    )
    return _Rendered(sample, jpeg)


def blank_pdf(pages: int, size: tuple[float, float] = (612, 792)) -> bytes:
    """A PDF of ``pages`` empty pages of ``size`` points (default US letter): tens of bytes a
    page, however many pages, so it tests what a reader does with a long document."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(*size)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def render_blank(kind: str, seed: int = 0) -> Image.Image:
    """An image with no writing: paper (clean or photographed), random noise, or a wall.

    Args:
        kind: one of ``BLANKS``: a paper (``white``, ``lined``, ``squared``), optionally with
            ``-photo`` (the sheet photographed on a table), ``noise``, ``wall``, or
            ``desk-photo`` (any hard-tier paper photographed as the hard tier does: on a
            cluttered desk, with a shadow, blur, sensor noise and JPEG).
        seed: the same seed gives the same image.
    """
    if kind not in BLANKS:
        raise OcrError(f"Unknown blank image kind {kind!r}; choose one of {', '.join(BLANKS)}.")
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(700, 1300)), int(rng.integers(700, 1400))
    if kind == "desk-photo":
        return _hard_blank(rng, width, height)
    if kind == "noise":  # sensor noise over a random grey, as from a photo of nothing
        pixels = rng.uniform(60, 200) + _grain(rng, (height, width, 3), rng.uniform(10, 50))
    elif kind == "wall":  # plaster: blotches at several scales, fine grain, uneven light
        colour = np.array([215, 205, 185]) * rng.uniform(0.6, 1.05)
        blotches = sum(_smooth_noise(rng, height, width, cell) * 6 for cell in (120, 30, 6))
        pixels = colour * _lighting(rng, height, width)[..., None] + blotches[..., None]
        pixels = pixels + _grain(rng, pixels.shape, 3)
    else:
        paper, _, photo = kind.partition("-")
        layout = _blank_layout(rng, width, height)
        pixels = _paper(layout, rng, "white" if paper == "white" else paper)
        if photo:
            pixels, _, jpeg = _photograph(pixels, rng, "page")
            return read_image(jpeg)
        pixels = pixels + _grain(rng, pixels.shape, 1.2)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def series_blank(n: int, seed: int) -> tuple[str, Image.Image]:
    """Blank ``n`` of the series that starts at ``seed``, as (kind, image): the kinds of
    ``BLANKS`` in turn, blank ``n`` drawn from ``seed + n``. The benchmarks' blank sets are
    such series, so a set holds every kind as evenly as its size allows."""
    kind = BLANKS[n % len(BLANKS)]
    return kind, render_blank(kind, seed=seed + n)


def _blank_layout(rng: np.random.Generator, width: int, height: int) -> _Layout:
    """A sheet's rules for a blank image: line pitch, margin and the first baseline."""
    pitch = int(rng.integers(60, 100))
    return _Layout(width, height, [int(rng.integers(80, 160))], pitch, pitch)


def _hard_blank(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    paper = str(rng.choice(HARD_PAPERS))
    layout = _blank_layout(rng, width, height)
    sheet = _hard_paper(layout, rng, paper)
    _pixels, _matrix, jpeg, _effects = _hard_photograph(sheet, rng, "page", rng.uniform(0.5, 1))
    return read_image(jpeg)


def render_text(
    text: str,
    font_name: str,
    font_path: Path,
    *,
    kind: Kind = "page",
    style: Style = "clean",
    seed: int = 0,
    tier: Tier = "standard",
    thin: float = 0.0,
    pointed: float = 0.0,
) -> SynthSample:
    """Write ``text`` by hand in one font: on one line (``kind="line"``) or word-wrapped on a page.

    Args:
        text: what to write; characters the fonts cannot draw are dropped (see ``clean_review_text``).
        font_name: short font name recorded in the truth.
        font_path: the font file (``.ttf``, ``.otf``, ``.woff``, ``.woff2``).
        kind: ``"line"`` for a single line, ``"page"`` for a sheet with several lines.
        style: ``"clean"`` scan or ``"photo"`` taken with a phone.
        seed: the same seed gives the same image.
        tier: ``"standard"`` or ``"hard"`` (see the module docstring).
        thin: hard tier only: wear this share of every stroke's width away (see ``_thin_strokes``).
        pointed: hard tier only: a pointed pen's contrast, this share of the width of strokes
            that run across worn away (see ``_pointed_strokes``).
    """
    return _renderer(tier, thin, pointed)(
        clean_review_text(text), font_name, font_path, kind, style, seed
    ).sample


def _renderer(tier: str, thin: float, pointed: float = 0.0) -> Callable[..., _Rendered]:
    """The function that draws one sample of ``tier``, its strokes thinned or pointed when asked."""
    if (thin or pointed) and tier != "hard":
        raise OcrError("Thinned and pointed strokes are drawn in the hard tier only.")
    if tier != "hard":
        return _render
    return functools.partial(_render_hard, thin=thin, pointed=pointed)


def _check_dataset_request(fonts: dict, texts: Sequence[str], n: int, tier: str) -> None:
    if not fonts:
        raise OcrError("No fonts to write with: install them with scripts/install_fonts.sh.")
    if not texts:
        raise OcrError("No review texts to write: give at least one text.")
    if n < 1:
        raise OcrError(f"The number of images must be at least 1, not {n}.")
    if tier not in TIERS:
        raise OcrError(f"Unknown tier {tier!r}; choose one of {', '.join(TIERS)}.")


def write_dataset(
    # Long because the documented signature is 36 lines; the body is about 25.
    out_dir: Path,
    texts: Sequence[str],
    fonts: dict[str, Path],
    n: int,
    *,
    kinds: Sequence[Kind] = ("line",),
    styles: Sequence[Style] = ("clean",),
    seed: int = 0,
    tier: Tier = "standard",
    thin: float = 0.0,
    pointed: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Render ``n`` images of review text into ``out_dir/images`` and write ``out_dir/truth.jsonl``.

    Fonts, kinds and styles take turns so every combination is equally represented. Each image
    has its own seed (recorded in the truth) derived from ``seed`` and its index.

    Args:
        out_dir: folder to write; created if needed.
        texts: review texts to take sentences from.
        fonts: ``{name: font file}``, e.g. from ``inksight.ocr.fonts.find_fonts``.
        n: number of images.
        kinds: ``"line"`` and/or ``"page"``.
        styles: ``"clean"`` and/or ``"photo"``.
        seed: seed of the whole set.
        tier: ``"standard"`` or ``"hard"`` (see the module docstring).
        thin: hard tier only: wear this share of every stroke's width away (``_thin_strokes``).
        pointed: hard tier only: a pointed pen's contrast (``_pointed_strokes``).
        progress: called with (done, n) after each image.

    Returns:
        The truth records, as written to ``truth.jsonl``.
    """
    _check_dataset_request(fonts, texts, n, tier)
    render = _renderer(tier, thin, pointed)
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    names = sorted(fonts)
    combos = list(itertools.product(kinds, styles))
    records = []
    for index in range(n):
        image_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
        font = names[index % len(names)]
        # Each font meets every kind and style in turn, and neighbouring images differ in both.
        kind, style = combos[(index % len(names) + index // len(names)) % len(combos)]
        text = sample_text(texts, np.random.default_rng(image_seed), kind)
        rendered = render(text, font, fonts[font], kind, style, image_seed)
        suffix = "jpg" if rendered.jpeg is not None else "png"
        relative = f"images/{index:05d}-{font}-{kind}-{style}.{suffix}"
        if rendered.jpeg is not None:
            (out_dir / relative).write_bytes(rendered.jpeg)
        else:
            rendered.sample.image.save(out_dir / relative)
        records.append(rendered.sample.truth(relative))
        if progress is not None:
            progress(index + 1, n)
    with open(out_dir / "truth.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return records
