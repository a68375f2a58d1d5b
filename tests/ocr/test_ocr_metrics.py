"""CER and WER on cases worked out by hand."""

from __future__ import annotations

import pytest

from inksight.ocr.metrics import (
    ErrorCounts,
    cer,
    char_errors,
    edit_distance,
    score_text,
    summarize,
    summarize_by,
    total,
    wer,
)


def test_edit_distance_counts_insertions_deletions_and_substitutions():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance("abc", "") == 3
    assert edit_distance(["the", "cat"], ["the", "hat"]) == 1


def test_cer_is_edits_over_reference_characters():
    assert cer("great movie", "great movie") == 0.0
    assert cer("abcd", "abed") == pytest.approx(0.25)
    assert cer("abcd", "abcdxy") == pytest.approx(0.5)  # invented text costs too
    assert cer("ab", "wxyz") == pytest.approx(2.0)  # so the rate can exceed 1


def test_case_is_ignored_unless_asked_for():
    assert cer("The Movie", "the movie") == 0.0
    assert cer("The Movie", "the movie", ignore_case=False) == pytest.approx(2 / 9)


def test_whitespace_and_line_breaks_are_collapsed():
    assert cer("a great\nfilm", "a  great film ") == 0.0
    assert wer("a great\nfilm", "a great film") == 0.0


def test_typographic_quotes_and_dashes_count_as_plain_ones():
    assert cer('don\'t - "yes"', "don\u2019t \u2014 \u201cyes\u201d") == 0.0


def test_wer_counts_whole_words():
    assert wer("the cat sat", "the cat sat down") == pytest.approx(1 / 3)
    assert wer("the cat sat", "the bat sat") == pytest.approx(1 / 3)
    assert wer("the cat sat", "") == 1.0


def test_empty_reference():
    assert cer("", "") == 0.0
    assert cer("", "noise") == 1.0


def test_totals_weigh_long_texts_more():
    counts = [char_errors("abcdefghij", "abcdefghiX"), char_errors("ab", "aX")]
    assert total(counts) == ErrorCounts(2, 12)
    assert total(counts).rate == pytest.approx(2 / 12)


def test_summaries_by_group():
    scores = [
        score_text("a.png", "good film", "good film", 0.1, {"font": "caveat", "kind": "line"}),
        score_text("b.png", "bad film", "bad flm", 0.3, {"font": "kalam", "kind": "line"}),
        score_text("c.png", "Fine", "fine", 0.2, {"font": "kalam", "kind": "page"}),
    ]
    overall = summarize(scores)
    assert overall["images"] == 3
    assert overall["cer"] == pytest.approx(1 / 21, abs=1e-6)
    assert overall["cer_case_sensitive"] == pytest.approx(2 / 21, abs=1e-6)
    assert overall["seconds_per_image_median"] == pytest.approx(0.2)
    by_font = summarize_by(scores, "font")
    assert list(by_font) == ["caveat", "kalam"]
    assert by_font["caveat"]["cer"] == 0.0
    assert by_font["kalam"]["images"] == 2
    assert summarize_by(scores, "kind")["page"]["wer"] == 0.0
    assert scores[1].to_dict()["font"] == "kalam"
