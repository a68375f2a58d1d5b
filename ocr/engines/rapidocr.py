"""The offline engine: rapidocr's PP-OCR detector and recogniser (ONNX, shipped in its wheel).

rapidocr's defaults suit printed documents. For handwriting and speed we use its two models
directly and change what hurts:

* the detector sees the page with its *longest* side limited (``limit_type="max"``); the default
  blows the *shortest* side up to 736 px, so a 1000 x 80 line becomes 9200 x 736 and takes seconds;
* the 0/180 degree orientation classifier is skipped: it flips slanted handwritten lines;
* the recogniser is rapidocr's, fine-tuned on synthetic handwriting (``HANDWRITING_RECOGNIZER``);
* line crops are shrunk to the recogniser's 48 px text height with area interpolation (no aliasing)
  and batched by width, so padding stays small; a line read unsurely is read again wider, since a
  narrow hand gives the recogniser fewer frames than it has letters;
* decoding only allows characters a movie review uses (Latin script, digits, punctuation): the
  multilingual model otherwise reads a scrawl as a CJK character;
* given a word language model, lines are read with a CTC prefix beam search that weighs words in
  context and may restore a lost word gap (``inksight.ocr.decoding``), instead of greedily; the
  confidence then drops by the share of characters the search changed.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from inksight.ocr.decoding import BeamDecoder
from inksight.ocr.errors import OcrError
from inksight.ocr.language_model import WordLanguageModel
from inksight.ocr.metrics import edit_distance
from inksight.ocr.preprocess import upright

__all__ = [
    "DEFAULT_DETECTOR",
    "HANDWRITING_RECOGNIZER",
    "RapidDetector",
    "RapidRecognizer",
    "build",
    "decoded_columns",
]

RAPIDOCR_REQUIREMENT = "rapidocr>=3.10,<4"  # as in pyproject.toml
# What RapidDetector and RapidRecognizer read from a RapidOCR: not public API.
_USED_INTERNALS = ("text_det", "text_rec.session", "text_rec.postprocess_op.character")

DEFAULT_DETECTOR = {
    "limit_side_len": 736,  # longest side: as accurate as 960 on synthetic pages, 1.7x less work
    "box_thresh": 0.5,  # mean probability inside a box; noise and wall texture score lower
    "unclip_ratio": 1.4,  # tighter than 1.6 (dev CER 0.0100 -> 0.0067); 1.2 reads "22" on a wall
}
# Grey ink (pencil, a faded pen) is darkened by this power in the line crops the recogniser reads:
# on two development sets of the hard tuning fonts, mean CER 0.0606 -> 0.0561 and 0.0787 -> 0.0671
# (benchmarks/tune_ocr_reader.py). Darkening the whole page for detection too read them about as
# well but found a "line" on a blank photographed sheet, so detection sees the page as it is.
CROP_GAMMA = 2.0
REC_HEIGHT = 48  # PP-OCRv4/v5/v6 recognisers are trained on 48 px high lines
# The recogniser emits at most one character per 8 px of width at REC_HEIGHT, so a narrow hand
# cannot be read at its own width (47 characters in 337 px: 42 frames). A line read with less
# than STRETCH_BELOW confidence is read again STRETCH times wider and the surer reading kept. On
# three development sets of the tuning fonts, mean CER 0.0169 -> 0.0123, 0.0491 -> 0.0467 and
# 0.0381 -> 0.0356; 2x wider, or every line, did less, and so did asking the wider reading to be
# surer by a margin (docs/ocr-benchmark.md).
STRETCH = 1.5
STRETCH_BELOW = 0.9
STRETCH_MARGIN = 0.0
# rapidocr's PP-OCRv6 small recogniser fine-tuned on handwriting in the tuning fonts only, its
# output cut to the characters of LATIN (scripts/train_handwriting_recognizer.py;
# docs/ocr-benchmark.md says what it buys). "stock" reads with the recogniser in rapidocr's wheel.
HANDWRITING_RECOGNIZER = Path(__file__).with_name("models") / "pp-ocrv6-rec-handwriting.onnx"
RECOGNIZERS = ("handwriting", "stock")
# A recogniser trained on crops with their slant taken out carries this key in its ONNX metadata
# (scripts/train_handwriting_recognizer.py --upright); the reader then deslants every line first.
UPRIGHT_KEY = "inksight_upright"
LATIN = (
    string.ascii_letters
    + string.digits
    + string.punctuation
    + " "
    + ("àâäáãåçèéêëìíîïñòóôöõøùúûüýÿæœßÀÂÄÁÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØÙÚÛÜÝŸÆŒ‘’“”–—…€£")
)


def build(
    *,
    threads: int | None = None,
    detector: dict | None = None,
    recognizer: str | Path = "handwriting",
    **options: Any,
):
    """Build the shipped engine: ``OcrEngine`` with rapidocr detection and recognition.

    Args:
        threads: ONNX Runtime threads per model (None: all cores).
        detector: Overrides for ``DEFAULT_DETECTOR`` (``limit_side_len``, ``box_thresh``,
            ``unclip_ratio``, ``thresh``).
        recognizer: ``"handwriting"`` (``HANDWRITING_RECOGNIZER``), ``"stock"`` (rapidocr's own)
            or the path of a PP-OCR recogniser ONNX with its characters in its metadata.
        **options: Passed to ``OcrEngine`` (``min_confidence``, ``flatten``, ...) or, for
            ``charset``, ``batch_size``, ``language_model``, ``decoder_options`` and the
            ``stretch`` and ``upright_below`` options, to ``RapidRecognizer``; ``crop_gamma``
            defaults to ``CROP_GAMMA`` here.
    """
    from inksight.ocr.engines.base import OcrEngine

    options.setdefault("crop_gamma", CROP_GAMMA)
    models = load_models(threads=threads, detector=detector, recognizer=recognizer)
    names = ("charset", "batch_size", "language_model", "decoder_options", "stretch",
             "stretch_below", "stretch_margin", "upright_below")  # fmt: skip
    recognizer_options = {k: options.pop(k) for k in names if k in options}
    return OcrEngine(
        RapidRecognizer(models, **recognizer_options), RapidDetector(models), **options
    )


def load_models(
    *,
    threads: int | None = None,
    detector: dict | None = None,
    recognizer: str | Path = "stock",
) -> Any:
    """Create rapidocr's detector and recogniser with our settings; returns the ``RapidOCR``."""
    from rapidocr import RapidOCR

    det = {**DEFAULT_DETECTOR, **(detector or {})}
    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,
        "Det.limit_type": "max",
        **{f"Det.{key}": value for key, value in det.items()},
    }
    recognizer_path = _recognizer_path(recognizer)
    if recognizer_path is not None:
        params["Rec.model_path"] = str(recognizer_path)
    if threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = int(threads)
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    models = RapidOCR(params=params)
    # We call rapidocr's two models directly, so a page is detected once and all its line crops
    # are recognised together. They are not public API: check them here, once, so a rapidocr that
    # moved them gives a sentence instead of a traceback from the first page read.
    try:
        models._load_det_model()  # rapidocr builds its models lazily behind these loaders
        models._load_rec_model()
        for attribute in _USED_INTERNALS:
            operator.attrgetter(attribute)(models)
    except AttributeError as error:
        raise OcrError(
            f"rapidocr {_version('rapidocr')} does not lay out its models as Inksight expects "
            f"({error}); install the version Inksight is tested with: pip install "
            f"'{RAPIDOCR_REQUIREMENT}'."
        ) from None
    return models


def _recognizer_path(recognizer: str | Path) -> Path | None:
    """The recogniser's ONNX file; None for rapidocr's own."""
    if recognizer == "stock":
        return None
    path = HANDWRITING_RECOGNIZER if recognizer == "handwriting" else Path(recognizer)
    if not path.is_file():
        choices = " or ".join(f'"{name}"' for name in RECOGNIZERS)
        raise OcrError(f"no recogniser model at {path}; give {choices} or an ONNX file.")
    return path


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "(version unknown)"


class RapidDetector:
    """PP-OCR DB text detector: page in, word/phrase boxes out."""

    def __init__(self, models: Any) -> None:
        self._detector = models.text_det
        self.side = int(self._detector.limit_side_len)

    def detect(self, rgb: np.ndarray, *, side: int | None = None) -> tuple[np.ndarray, list[float]]:
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # PP-OCR models were trained on BGR
        # rapidocr reads its size limit on every call, so a larger look is one attribute away.
        self._detector.limit_side_len = side or self.side
        try:
            result = self._detector(bgr)
        finally:
            self._detector.limit_side_len = self.side
        if result.boxes is None or len(result.boxes) == 0:
            return np.zeros((0, 4, 2)), []
        return np.asarray(result.boxes, dtype=np.float64), [float(s) for s in result.scores]


class RapidRecognizer:
    """PP-OCR CTC recogniser reading line crops, restricted to ``charset``.

    Args:
        models: The ``RapidOCR`` from ``load_models``.
        charset: Characters allowed in the output (None: everything the model knows).
        batch_size: Crops per forward pass; crops are sorted by width first so padding stays small.
        language_model: Words in context for a beam search (``inksight.ocr.decoding``) instead
            of greedy decoding; None decodes greedily.
        decoder_options: ``BeamDecoder`` settings (``beam``, ``alpha``, ``split_penalty``, ...).
        stretch: A crop read with confidence under ``stretch_below`` is read again this many
            times wider, and the surer reading kept (see ``STRETCH``).
        stretch_below: See ``stretch``; 0 never reads a crop twice.
        stretch_margin: How much surer the wider reading must be to be kept.
        upright_below: A crop still read with confidence under this is read again with its
            slant taken out (``inksight.ocr.preprocess.upright``) and the surer reading kept;
            0 never does.
    """

    name = "rapidocr"

    def __init__(
        self,
        models: Any,
        *,
        charset: str | None = LATIN,
        batch_size: int = 8,
        language_model: WordLanguageModel | None = None,
        decoder_options: dict[str, Any] | None = None,
        stretch: float = STRETCH,
        stretch_below: float = STRETCH_BELOW,
        stretch_margin: float = STRETCH_MARGIN,
        upright_below: float = 0.0,
    ) -> None:
        recognizer = models.text_rec
        self._session = recognizer.session
        characters = list(recognizer.postprocess_op.character)  # [blank, ..., " "]
        # Decoding only ever looks at the allowed columns: 200 instead of 18,710 per frame.
        self._columns = np.array(decoded_columns(characters, charset))
        self._characters = [characters[i] for i in self._columns]
        self._beam = (
            BeamDecoder(self._characters, language_model, **(decoder_options or {}))
            if language_model is not None
            else None
        )
        self.batch_size = batch_size
        self.stretch = stretch
        self.stretch_below = stretch_below
        self.stretch_margin = stretch_margin
        self.upright_below = upright_below
        self.trained_upright = trained_upright(getattr(self._session, "session", None))

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if self.trained_upright:  # read as it was trained: every crop deslanted
            crops = [upright(crop) for crop in crops]
        results = self._recognize([to_height(crop, REC_HEIGHT) for crop in crops])
        if self.stretch != 1.0:
            self._read_again(
                results, crops, self.stretch_below, self.stretch_margin,
                lambda crop: to_height(crop, REC_HEIGHT, self.stretch),
            )  # fmt: skip
        self._read_again(
            results, crops, self.upright_below, 0.0,
            lambda crop: to_height(upright(crop), REC_HEIGHT),
        )  # fmt: skip
        return results

    def _read_again(
        self,
        results: list[tuple[str, float]],
        crops: list[np.ndarray],
        below: float,
        margin: float,
        prepare: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        """Read the crops whose reading in ``results`` is less sure than ``below`` again, each
        prepared by ``prepare``, and keep a new reading where it is surer by more than ``margin``."""
        unsure = [i for i, (_, confidence) in enumerate(results) if confidence < below]
        if not unsure:
            return
        again = self._recognize([prepare(crops[i]) for i in unsure])
        for index, reading in zip(unsure, again, strict=True):
            if reading[1] > results[index][1] + margin:
                results[index] = reading

    def _recognize(self, resized: list[np.ndarray]) -> list[tuple[str, float]]:
        """Readings of crops already ``REC_HEIGHT`` high, batched by width."""
        if not resized:
            return []
        order = np.argsort([image.shape[1] for image in resized], kind="stable")
        results: list[tuple[str, float]] = [("", 0.0)] * len(resized)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            probabilities = self._session(recognizer_batch([resized[i] for i in chunk]))
            for row, index in enumerate(chunk):
                results[index] = self._decode(probabilities[row])
        return results

    def _decode(self, probabilities: np.ndarray) -> tuple[str, float]:
        """Greedy CTC reading and its confidence (mean chosen probability), then, with a language
        model, the beam search's reading, its confidence lowered by how much it changed."""
        allowed = probabilities[:, self._columns]
        best = allowed.argmax(axis=1)
        chosen = allowed[np.arange(len(best)), best]
        keep = ctc_emitted(best)
        if not keep.any():
            return "", 0.0
        greedy = "".join(self._characters[i] for i in best[keep]).strip()
        confidence = float(chosen[keep].mean())
        if self._beam is None or not greedy:
            return greedy, confidence
        text = self._beam.decode(allowed)
        # Honest confidence: a line the language model rewrote is not as sure as the recogniser.
        changed = edit_distance(greedy, text) / max(len(greedy), 1)
        return text, confidence * max(0.0, 1.0 - changed)


def trained_upright(session: Any) -> bool:
    """Whether the recogniser in this onnxruntime session was trained on deslanted crops (its
    ONNX metadata holds ``UPRIGHT_KEY``); False where there is no such session to ask."""
    try:
        return session.get_modelmeta().custom_metadata_map.get(UPRIGHT_KEY) == "1"
    except AttributeError:
        return False


def decoded_columns(characters: list[str], charset: str | None = LATIN) -> list[int]:
    """The recogniser's output columns the reader decodes: the CTC blank (column 0) and those of
    ``charset``'s characters (None: every column). Fine-tuning cuts the model to the same ones."""
    keep = set(charset) if charset is not None else None
    return [i for i, c in enumerate(characters) if i == 0 or keep is None or c in keep]


def recognizer_batch(resized: list[np.ndarray]) -> np.ndarray:
    """RGB crops already ``REC_HEIGHT`` high as the recogniser takes them: BGR in [-1, 1],
    channels first, padded with zeros to the widest (also what its fine-tuning trains on)."""
    width = max(image.shape[1] for image in resized)
    batch = np.zeros((len(resized), 3, REC_HEIGHT, width), dtype=np.float32)
    for row, rgb in enumerate(resized):
        image = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.float32)
        batch[row, :, :, : image.shape[1]] = image.transpose(2, 0, 1) / 127.5 - 1.0
    return batch


def ctc_emitted(best: np.ndarray) -> np.ndarray:
    """Which frames of a greedy CTC path (column 0 the blank) emit a character: not blank, and
    not a repeat of the frame before (repeated symbols collapse)."""
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    return keep


def to_height(rgb: np.ndarray, height: int, stretch: float = 1.0) -> np.ndarray:
    """``rgb`` resized to ``height``, its width in proportion (times ``stretch``)."""
    if rgb.ndim == 2:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_GRAY2RGB)
    h, w = rgb.shape[:2]
    width = max(int(round(w * stretch * height / max(h, 1))), 8)
    interpolation = cv2.INTER_AREA if h > height and width < w else cv2.INTER_CUBIC
    return cv2.resize(rgb, (width, height), interpolation=interpolation)
