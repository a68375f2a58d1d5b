"""Page preparation: shadows evened out, and grey pencil made dark when asked."""

from __future__ import annotations

import numpy as np
from PIL import Image

from inksight.ocr.preprocess import normalise_background


def _pencil_under_a_shadow() -> np.ndarray:
    """Paper in a left-to-right shadow, with a grey (pencil) stroke across it: a darker middle
    where the lead pressed hardest, lighter edges."""
    page = np.tile(np.linspace(120, 235, 400, dtype=np.float32), (120, 1))
    page[55:62, 40:360] *= 0.75  # pencil: 75% of the paper's light, wherever the paper is
    page[58, 40:360] *= 0.7
    return np.repeat(page[..., None], 3, axis=2).astype(np.uint8)


def test_a_shadow_is_evened_out_so_the_paper_is_white_on_both_sides():
    gray = normalise_background(_pencil_under_a_shadow())

    assert gray[10:40, 10:60].mean() > 240 and gray[10:40, 340:390].mean() > 240
    assert (
        abs(int(gray[56, 60]) - int(gray[56, 340])) < 40
    )  # the stroke looks the same in shade and light


def test_ink_gamma_darkens_grey_pencil_and_leaves_the_paper_white():
    page = _pencil_under_a_shadow()
    plain = normalise_background(page)
    darker = normalise_background(page, ink_gamma=2.0)

    assert darker[56, 100:300].mean() < plain[56, 100:300].mean() - 30
    assert darker[10:40, 10:390].mean() > 240


class _BoxAroundTheStroke:
    """A detector that finds the one stroke of ``_pencil_under_a_shadow``."""

    def detect(self, rgb, *, side=None):
        return np.array([[[30, 45], [370, 45], [370, 72], [30, 72]]], dtype=np.float64), [0.9]


class _RememberingRecognizer:
    name = "remembering"

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def recognize(self, crops):
        self.crops += crops
        return [("pencil", 0.9) for _ in crops]


def test_with_crop_gamma_the_recogniser_reads_darker_pencil_on_white_paper():
    from inksight.ocr.engines.base import OcrEngine

    seen = {}
    for gamma in (1.0, 2.0):
        recognizer = _RememberingRecognizer()
        engine = OcrEngine(recognizer, _BoxAroundTheStroke(), crop_gamma=gamma, flatten=False)
        assert engine.read(Image.fromarray(_pencil_under_a_shadow())).text == "pencil"
        seen[gamma] = recognizer.crops[0]

    plain, darker = seen[1.0], seen[2.0]
    assert plain.shape == darker.shape
    stroke = plain < 200  # the pencil in the crop the recogniser reads
    assert darker[stroke].mean() < plain[stroke].mean() - 30
    assert darker[~stroke].mean() > 240  # the paper around it stays white
