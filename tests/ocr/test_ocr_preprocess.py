"""Page preparation: shadows evened out, grey pencil made dark when asked, the faint look, and
slanted writing set upright."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from inksight.ocr.preprocess import normalise_background, upright
from inksight.ocr.types import NO_TEXT


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


def test_keep_faint_keeps_a_stroke_barely_darker_than_its_paper_and_the_paper_white():
    page = np.full((120, 400), 225.0, np.float32)
    page[55:62, 40:360] *= 0.92  # 8% darker than the paper: a worn pencil
    page += np.random.default_rng(0).normal(0, 2, page.shape)
    rgb = np.repeat(np.clip(page, 0, 255)[..., None], 3, axis=2).astype(np.uint8)

    assert normalise_background(rgb)[56:61, 60:340].mean() > 240  # stretched away to white
    kept = normalise_background(rgb, keep_faint=True)
    assert kept[56:61, 60:340].mean() < 100
    assert np.median(kept[10:40]) > 200


class _BoxAroundTheStroke:
    """A detector that finds the one stroke of ``_pencil_under_a_shadow``."""

    def detect(self, rgb, *, side=None):
        return np.array([[[30, 45], [370, 45], [370, 72], [30, 72]]], dtype=np.float64), [0.9]


class _Reads:
    """A recogniser that reads every crop as ``text`` and keeps the crops it was given."""

    name = "reads"

    def __init__(self, text: str, confidence: float = 0.9) -> None:
        self.reading = (text, confidence)
        self.crops: list[np.ndarray] = []

    def recognize(self, crops):
        self.crops += crops
        return [self.reading for _ in crops]


def test_with_crop_gamma_the_recogniser_reads_darker_pencil_on_white_paper():
    from inksight.ocr.engines.base import OcrEngine

    seen = {}
    for gamma in (1.0, 2.0):
        recognizer = _Reads("pencil")
        engine = OcrEngine(recognizer, _BoxAroundTheStroke(), crop_gamma=gamma, flatten=False)
        assert engine.read(Image.fromarray(_pencil_under_a_shadow())).text == "pencil"
        seen[gamma] = recognizer.crops[0]

    plain, darker = seen[1.0], seen[2.0]
    assert plain.shape == darker.shape
    stroke = plain < 200  # the pencil in the crop the recogniser reads
    assert darker[stroke].mean() < plain[stroke].mean() - 30
    assert darker[~stroke].mean() > 240  # the paper around it stays white


class _SeesOnlyDarkInk:
    """A detector that, like the real one, misses a stroke too pale for it: it finds the stroke
    of ``_pencil_under_a_shadow`` only when the page it is shown has it darker than mid-grey."""

    def __init__(self) -> None:
        self.looks = 0

    def detect(self, rgb, *, side=None):
        self.looks += 1
        if rgb[55:62, 40:360].mean() < 100:
            return np.array([[[30, 45], [370, 45], [370, 72], [30, 72]]], dtype=np.float64), [0.9]
        return np.zeros((0, 4, 2)), []


def _engine(recognizer, detector, **options):
    from inksight.ocr.engines.base import OcrEngine

    return OcrEngine(recognizer, detector, flatten=False, second_look=False, **options)


def test_a_pale_pencil_line_is_found_by_the_faint_look_instead_of_no_text():
    page = Image.fromarray(_pencil_under_a_shadow())
    looks = {"thin_look": False}  # the thin look finds it too (below): this is the faint one

    without = _engine(_Reads("a pale pencil line"), _SeesOnlyDarkInk(), faint_look=1.0, **looks)
    assert without.read(page).lines == []
    assert without.read(page).warnings == [NO_TEXT]

    found = _engine(_Reads("a pale pencil line"), _SeesOnlyDarkInk(), **looks).read(page)
    assert found.text == "a pale pencil line" and found.warnings == []


def test_the_faint_look_keeps_only_sure_or_long_readings_and_blank_paper_stays_blank():
    page = Image.fromarray(_pencil_under_a_shadow())
    for unsure in (_Reads("oh", 0.9), _Reads("a pale pencil line", 0.25)):  # a desk's texture
        result = _engine(unsure, _SeesOnlyDarkInk(), thin_look=False).read(page)
        assert result.lines == [] and result.warnings == [NO_TEXT]
    # No blank ever read this long: unsure as it is, the line is kept, flagged as doubtful.
    result = _engine(_Reads("a pale pencil line", 0.55), _SeesOnlyDarkInk(), thin_look=False)
    lines = result.read(page).lines
    assert [line.text for line in lines] == ["a pale pencil line"] and lines[0].low_confidence

    blank = np.full((120, 400, 3), 235, np.uint8)
    detector = _SeesOnlyDarkInk()
    assert _engine(_Reads("a pale pencil line"), detector).read(Image.fromarray(blank)).lines == []
    # The page, the faint look, the paper look, the thin look: all found nothing.
    assert detector.looks == 4


def test_writing_only_a_faint_look_half_reads_is_reported_as_unreadable_not_as_no_text():
    page = Image.fromarray(_pencil_under_a_shadow())
    # Too unsure to keep (0.65 needed; too short for the long-reading floor), sure enough to show
    # that writing is there.
    result = _engine(_Reads("pale", 0.62), _SeesOnlyDarkInk(), thin_look=False)
    assert result.read(page).lines == []
    assert result.read(page).warnings[0].startswith("writing was found in the image but could not")


def test_a_short_reading_needs_more_confidence_than_a_line_of_words():
    page = Image.fromarray(_pencil_under_a_shadow())
    for reading, kept in (
        (("57", 0.58), False),
        (("57", 0.9), True),
        (("it was fine", 0.58), True),
    ):
        recognizer = _Reads(*reading)
        result = _engine(recognizer, _BoxAroundTheStroke(), thin_look=False, faint_look=1.0)
        assert bool(result.read(page).lines) is kept, reading


def test_a_long_unsure_reading_is_kept_and_flagged_where_a_short_one_is_dropped():
    page = Image.fromarray(_pencil_under_a_shadow())
    for reading, kept in (
        (("it was a fine film", 0.35), True),  # a hairline line: better half-read than lost
        (("fine", 0.45), False),
        (("it was a fine film", 0.25), False),
    ):
        engine = _engine(_Reads(*reading), _BoxAroundTheStroke(), thin_look=False, faint_look=1.0)
        lines = engine.read(page).lines
        assert bool(lines) is kept, reading
        assert all(line.low_confidence for line in lines)  # shown to the user as doubtful


def test_a_short_unsure_reading_is_no_evidence_of_writing_but_a_longer_one_is():
    page = Image.fromarray(_pencil_under_a_shadow())
    for reading, said in (
        (("57", 0.58), NO_TEXT),  # a wall or desk, read as a number
        (("fine", 0.45), NO_TEXT),
        (("it was fine", 0.25), NO_TEXT),
        # A hairline pencil line reads long and unsure; no blank ever read 6 characters.
        (("it was fine", 0.35), "writing was found in the image but could not be read"),
        (("it was fine", 0.55), "writing was found in the image but could not be read"),
    ):
        engine = _engine(_Reads(*reading), _BoxAroundTheStroke(), thin_look=False, faint_look=1.0)
        engine.min_confidence = engine.long_min_confidence = 0.6  # so none is kept either
        result = engine.read(page)
        assert result.lines == [] and result.warnings[0].startswith(said), reading


class _ReadsByDarkness:
    """A recogniser whose reading of the stroke depends on how dark the crop shows it: like the
    real one on a hairline hand, by default it reads a grey stroke unsurely and wrongly, and a
    dark one surely and right."""

    name = "reads-by-darkness"

    def __init__(self, dark=("a pale pencil line", 0.95), grey=("a pa1e penci1 1ine", 0.6)):
        self.dark, self.grey = dark, grey
        self.crops = 0

    def recognize(self, crops):
        self.crops += len(crops)
        return [self.dark if _dark(crop) else self.grey for crop in crops]


def _dark(crop: np.ndarray) -> bool:
    """Whether the stroke in a crop of ``_pencil_under_a_shadow`` is dark (mean under 100)."""
    return crop[crop < 200].mean() < 100


def test_a_page_read_unsurely_is_read_again_with_darker_ink_and_the_surer_reading_kept():
    page = Image.fromarray(_pencil_under_a_shadow())
    plain = _engine(_ReadsByDarkness(), _BoxAroundTheStroke(), thin_look=False).read(page)
    assert plain.text == "a pa1e penci1 1ine"  # the stroke as the page has it: grey

    recogniser = _ReadsByDarkness()
    result = _engine(recogniser, _BoxAroundTheStroke()).read(page)
    assert result.text == "a pale pencil line" and not result.lines[0].low_confidence
    assert recogniser.crops == 2  # the first look, then the thin look


def test_a_sure_reading_is_not_read_again_and_a_worse_second_reading_is_not_kept():
    page = Image.fromarray(_pencil_under_a_shadow())
    sure = _Reads("a pale pencil line", 0.95)
    assert _engine(sure, _BoxAroundTheStroke()).read(page).text == "a pale pencil line"
    assert len(sure.crops) == 1

    worse_when_dark = _ReadsByDarkness(dark=("pencil", 0.7), grey=("a pale pencil line", 0.8))
    assert _engine(worse_when_dark, _BoxAroundTheStroke()).read(page).text == "a pale pencil line"
    assert worse_when_dark.crops == 2  # read again (0.8 < 0.9), the second reading not kept


def test_one_character_alone_is_not_a_line():
    # A mug's rim on a desk reads as "O", a pen as "/": sure readings, but not writing.
    page = Image.fromarray(_pencil_under_a_shadow())
    for shape in ("O", "/"):
        assert _engine(_Reads(shape, 0.95), _BoxAroundTheStroke()).read(page).lines == []
    assert _engine(_Reads("ok", 0.95), _BoxAroundTheStroke()).read(page).text == "ok"


class _LinesOfHeight:
    """A detector whose one line is ``height`` pixels high at its own size, wherever it looks."""

    side = 736

    def __init__(self, height: float) -> None:
        self.height, self.looks = height, 0

    def detect(self, rgb, *, side=None):
        self.looks += 1
        shrink = min(1.0, (side or self.side) / max(rgb.shape[:2]))
        h = self.height / shrink
        return np.array([[[30, 40], [370, 40], [370, 40 + h], [30, 40 + h]]]), [0.9]


def test_the_second_look_zooms_in_on_lines_lower_than_small_writing():
    from inksight.ocr.engines.base import SMALL_WRITING, OcrEngine

    page = Image.fromarray(_pencil_under_a_shadow())
    for height, looks in ((SMALL_WRITING - 2, 2), (SMALL_WRITING + 2, 1)):
        detector = _LinesOfHeight(height)
        OcrEngine(_Reads("a line"), detector, flatten=False).read(page)
        assert detector.looks == looks, height


def _sheet_with_a_shadowed_corner() -> tuple[np.ndarray, np.ndarray]:
    """A photo of a tilted white sheet on a dark table, a hard shadow over its bottom-right
    corner (the shaded paper darker than the threshold between paper and table); and the
    sheet's true corners."""
    import cv2

    photo = np.full((900, 800, 3), 70, np.float32)
    corners = np.array([[180, 150], [600, 110], [650, 760], [220, 800]], np.float32)
    cv2.fillConvexPoly(photo, corners.astype(np.int32), (240, 238, 232))
    ys, xs = np.mgrid[0:900, 0:800]
    photo[xs + ys > 1250] *= 0.45  # the shadow's edge runs across the corner
    return np.clip(photo, 0, 255).astype(np.uint8), corners


def test_a_sheet_whose_corner_is_in_shadow_is_still_found_with_that_corner():
    from inksight.ocr.preprocess import find_sheet

    photo, truth = _sheet_with_a_shadowed_corner()
    found = find_sheet(photo)
    assert found is not None
    assert np.abs(found - truth).max() < 15  # pixels, of a sheet 650 px high


def test_a_sheet_half_in_shadow_beside_a_lamp_lit_table_is_still_found():
    """A lamp on the left lights the table brighter than the sheet's shaded right half: one
    brightness threshold cuts the sheet in two (the finder of 2026-12-05 found none)."""
    import cv2

    from inksight.ocr.preprocess import find_sheet

    photo = np.full((900, 800, 3), 110, np.float32)
    truth = np.array([[260, 170], [640, 130], [690, 760], [300, 800]], np.float32)
    cv2.fillConvexPoly(photo, truth.astype(np.int32), (235, 233, 228))
    photo *= np.linspace(1.6, 0.45, 800, dtype=np.float32)[None, :, None]
    found = find_sheet(np.clip(photo, 0, 255).astype(np.uint8))
    assert found is not None
    assert np.abs(found - truth).max() < 15  # pixels, of a sheet 670 px high


def _sheet_on_a_table(corners: np.ndarray, size: tuple[int, int] = (900, 800)) -> np.ndarray:
    """A photo of a white sheet with these corners on a dark table."""
    import cv2

    photo = np.full((*size, 3), 70, np.uint8)
    cv2.fillConvexPoly(photo, corners.astype(np.int32), (240, 238, 232))
    return photo


def test_a_sheet_with_a_sticky_note_stuck_to_its_side_is_still_found():
    """A bright yellow note overlapping the sheet's edge joins the bright region and spoils its
    shape; the paper's own colour separates them (the finder of 2026-12-05 found none)."""
    import cv2

    from inksight.ocr.preprocess import find_sheet

    truth = np.array([[200, 150], [600, 120], [640, 760], [230, 790]], np.float32)
    photo = _sheet_on_a_table(truth)
    note = np.array([[560, 300], [760, 290], [770, 480], [570, 490]], np.int32)
    cv2.fillConvexPoly(photo, note, (235, 225, 90))
    found = find_sheet(photo)
    assert found is not None
    assert np.abs(found - truth).max() < 15  # pixels, of a sheet 650 px high


def test_a_sheet_with_a_corner_at_the_edge_of_the_photo_is_found():
    from inksight.ocr.preprocess import find_sheet

    truth = np.array([[200, 1], [620, 40], [580, 700], [150, 660]], np.float32)
    found = find_sheet(_sheet_on_a_table(truth))
    assert found is not None
    assert np.abs(found - truth).max() < 15


def test_a_sheet_running_off_the_photo_is_not_flattened():
    """Only part of the sheet is seen: warping that part to a rectangle would distort it."""
    from inksight.ocr.preprocess import find_sheet

    sheet = np.array([[200, -200], [620, -160], [580, 700], [150, 660]], np.float32)
    assert find_sheet(_sheet_on_a_table(sheet)) is None


def _speckled_desk(size: tuple[int, int] = (900, 800), seed: int = 0) -> np.ndarray:
    """A photo of a light desk with a coarse grain and no sheet on it."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, 1, (size[0] // 12, size[1] // 12)).astype(np.float32)
    grain = cv2.resize(grain, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    return np.repeat(np.clip(150 + 25 * grain, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def test_photographed_pages_whose_bright_region_has_no_sheets_shape_are_found_by_the_outline():
    """Three hard-tier page photos in which the finder that looked only at bright regions (until
    2026-12-07) found no sheet."""
    from inksight.ocr.fonts import find_fonts, select_fonts
    from inksight.ocr.preprocess import find_sheet
    from inksight.ocr.synth import render_text
    from inksight.pipelines.assets import font_dirs

    fonts = select_fonts(find_fonts(font_dirs()), ["caveat"])
    if not fonts:
        pytest.skip("the caveat font is missing: run scripts/install_fonts.sh")
    text = "A fine film, if a little long. I would see it again."
    for seed in (3, 11, 31):
        photo = render_text(
            text, "caveat", fonts["caveat"], kind="page", style="photo", seed=seed, tier="hard"
        )
        truth = np.asarray(photo.sheet)
        found = find_sheet(np.asarray(photo.image.convert("RGB")))
        assert found is not None, seed
        # Every corner within 3 % of the sheet's diagonal, as the benchmark counts a sheet found.
        assert np.abs(found - truth).max() < 0.03 * np.linalg.norm(truth[2] - truth[0]), seed


def test_a_speckled_desk_with_no_sheet_on_it_is_not_flattened():
    from inksight.ocr.preprocess import find_sheet

    for seed in range(4):
        assert find_sheet(_speckled_desk(seed=seed)) is None, seed


def _inked_columns(rgb: np.ndarray) -> int:
    return int((rgb.min(axis=2) < 128).any(axis=0).sum())


def test_writing_slanted_30_degrees_is_set_upright_and_upright_writing_is_left_alone():
    """Six strokes leaning 30 degrees right, like an italic hand: upright, each stroke stands in
    its own few columns again; strokes already upright come back unchanged."""
    slanted = np.full((60, 400, 3), 235, np.uint8)
    lean = int(50 * np.tan(np.radians(30)))
    for x in range(40, 340, 50):  # from the bottom (y 55) up to the top (y 5), leaning right
        stroke = np.array([[x, 55], [x + 6, 55], [x + 6 + lean, 5], [x + lean, 5]], np.int32)
        cv2.fillPoly(slanted, [stroke], (30, 30, 30))
    stood_up = upright(slanted)

    assert _inked_columns(slanted) > 6 * (6 + lean) * 0.9
    assert _inked_columns(stood_up) < 6 * (6 + 10)  # a little blur and 5 degrees left at most
    assert (stood_up.min(axis=2) < 128).sum() > 0.8 * (slanted.min(axis=2) < 128).sum()

    straight = np.full((60, 400, 3), 235, np.uint8)
    straight[5:55, 40:340:50] = 30
    assert np.array_equal(upright(straight), straight)
