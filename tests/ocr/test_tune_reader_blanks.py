"""The development check that a reader finds nothing where nothing is written
(``benchmarks/tune_ocr_reader.py --blanks``), on the blank the short-reading floor was set by."""

from __future__ import annotations

import pytest
from script_loader import BENCHMARKS, load_script

from inksight.ocr.engines.base import SHORT_MIN_CONFIDENCE

pytestmark = pytest.mark.real_assets


def test_the_blank_check_reports_what_the_reader_dropped_and_what_a_lower_floor_keeps():
    tune = load_script("tune_ocr_reader", BENCHMARKS)
    blanks = tune.development_blanks(1, first=52)  # the wall at seed 30052
    assert [kind for kind, _ in blanks] == ["wall"]
    report = tune.read_blanks({}, blanks)
    # The shipped reader reads the wall as a short word just under the floor and drops it: no
    # line, and no "writing was found". A recogniser that reads it surer needs a higher floor.
    assert report["images_with_lines"] == 0 and report["writing_found"] == 0
    confidence, text, kind = report["surest_short_readings"][0]
    assert kind == "wall" and len(text) <= 3
    assert 0.5 < confidence < SHORT_MIN_CONFIDENCE
    # With the floor lowered under that reading (a variant of --short-floor), the wall is text.
    lowered = tune.read_blanks({"short_min_confidence": 0.5}, blanks)
    assert lowered["images_with_lines"] == 1 and lowered["examples"][0]["text"] == text


def test_more_blanks_than_there_are_is_one_sentence_before_any_rendering(capsys, monkeypatch):
    tune = load_script("tune_ocr_reader", BENCHMARKS)
    monkeypatch.setattr(tune, "render_dev_set", lambda *a: pytest.fail("rendered first"))
    with pytest.raises(SystemExit) as stopped:
        tune.main(["--blanks", str(tune.DEVELOPMENT_BLANKS + 1), "--lines", "0", "--pages", "0"])
    assert stopped.value.code == 2  # argparse's usage error, not a traceback
    assert f"--blanks takes 0 to {tune.DEVELOPMENT_BLANKS}" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the 162 after the usual ones, and one more
        tune.main(["--blanks", "163", "--blanks-from", "162", "--lines", "0", "--pages", "0"])
    assert "--blanks takes 0 to 162 development blanks from number 162" in capsys.readouterr().err
    with pytest.raises(ValueError, match="324 development blanks"):
        tune.development_blanks(2, first=tune.DEVELOPMENT_BLANKS - 1)
