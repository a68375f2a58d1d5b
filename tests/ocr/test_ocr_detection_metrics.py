"""Detection recall and sentiment agreement on tiny made-up inputs."""

from __future__ import annotations

import pytest

from inksight.ocr.metrics import (
    label_agreement,
    line_found,
    lines_found,
    score_text,
    summarize,
    summarize_by_tag,
)
from inksight.ocr.types import NO_TEXT

LINE = [[10, 10], [110, 10], [110, 30], [10, 30]]


def test_a_line_is_found_when_read_boxes_cover_half_of_it():
    assert line_found(LINE, [[[0, 5], [120, 5], [120, 35], [0, 35]]])
    # Split in two halves by the reader: still found.
    halves = [[[10, 10], [60, 10], [60, 30], [10, 30]], [[60, 10], [110, 10], [110, 30], [60, 30]]]
    assert line_found(LINE, halves)
    # A box over only a quarter of the line, or somewhere else, or nothing: not found.
    assert not line_found(LINE, [[[10, 10], [35, 10], [35, 30], [10, 30]]])
    assert not line_found(LINE, [[[200, 10], [300, 10], [300, 30], [200, 30]]])
    assert not line_found(LINE, [])


def test_counterclockwise_and_tilted_read_boxes_count_too():
    tilted = [[5, 0], [115, 12], [113, 40], [3, 28]]
    assert line_found(LINE, [tilted])
    assert line_found(LINE, [list(reversed(tilted))])


def test_lines_found_counts_each_truth_line_once():
    second = [[10, 50], [110, 50], [110, 70], [10, 70]]
    one_box_over_both = [[0, 0], [120, 0], [120, 80], [0, 80]]
    assert lines_found([LINE, second], [one_box_over_both]) == 2
    assert lines_found([LINE, second], [LINE]) == 1


def test_summary_reports_recall_and_pages_read_as_empty():
    page = score_text("a.png", "one\ntwo", "", 1.0, tags=("blur=motion",), lines=(2, 0))
    line = score_text("b.png", "three", "three", 1.0, tags=("ink=pencil",), lines=(1, 1))
    lost = score_text("c.png", "four", "", 1.0, lines=(1, 0))
    summary = summarize([page, line])
    assert summary["line_recall"] == pytest.approx(1 / 3)
    assert summary["empty_pages"] == 1
    # A photo of one line read as nothing is a lost review too, though not a page.
    assert summarize([page, line, lost])["empty_pages"] == 1
    assert summarize([page, line, lost])["empty_images"] == 2
    # Of those, only an image whose user was told "no text" counts as said to hold none.
    told = score_text("d.png", "five", "", 1.0, lines=(1, 0), warnings=[NO_TEXT])
    unreadable = ["writing was found in the image but could not be read."]
    doubted = score_text("e.png", "six", "", 1.0, lines=(1, 0), warnings=unreadable)
    assert summarize([told, doubted])["said_no_text"] == 1
    assert told.to_dict()["warnings"] == [NO_TEXT]
    by_tag = summarize_by_tag([page, line])
    assert by_tag["blur=motion"]["cer"] == 1.0
    assert by_tag["ink=pencil"]["cer"] == 0.0
    # Records without boxes (hand-labelled folders) have no detection figures at all.
    assert "line_recall" not in summarize([score_text("c.png", "x", "x", 1.0)])


def test_label_agreement_counts_unreadable_text_as_disagreeing():
    assert label_agreement(["pos", "neg", "pos", "neg"], ["pos", "neg", "neg", None]) == 0.5
    assert label_agreement([], []) == 0.0
    with pytest.raises(ValueError):
        label_agreement(["pos"], [])
