"""Lexicon correction fixes misread common words and leaves correct rare words alone."""

from __future__ import annotations

import pytest

from inksight.ocr.lexicon import Lexicon

pytestmark = pytest.mark.real_assets  # loads symspellpy's shipped 82,765-word English list


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def test_fixes_misspelt_common_words_keeping_case_and_punctuation(lexicon):
    assert lexicon.correct_text("Teh acting was terible,\nthe moive awfull!") == (
        "The acting was terrible,\nthe movie awful!"
    )


def test_restores_a_lost_apostrophe(lexicon):
    assert lexicon.correct_text("I didnt like it, thats all.") == "I didn't like it, that's all."


def test_leaves_correct_rare_words_names_and_numbers_alone(lexicon):
    text = "An idiosyncratic, mesmerising film; McKellen on DVD in 1987 with Godard's crew."
    assert lexicon.correct_text(text) == text


def test_extra_vocabulary_protects_domain_words():
    # "noir" is not in the English list, and one edit from "nor".
    assert Lexicon.load().correct_word("noir") == "nor"
    assert Lexicon(extra_words={"noir": 40, "boring": 900}).correct_text("noir, borng") == (
        "noir, boring"
    )
