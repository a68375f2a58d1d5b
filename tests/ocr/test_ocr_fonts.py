"""Font families: a held-out family of the hard tier is never seen, whole or in part, by tuning."""

from __future__ import annotations

from inksight.ocr.fonts import (
    FONT_FAMILIES,
    FONT_SETS,
    HANDWRITING_FONTS,
    HARD_HELD_OUT_FAMILIES,
    HARD_HELD_OUT_FONTS,
    HARD_TUNING_FONTS,
    HELD_OUT_FONTS,
    TUNING_FONTS,
    family_of,
)


def test_every_font_is_in_exactly_one_family():
    members = [font for fonts in FONT_FAMILIES.values() for font in fonts]
    assert len(members) == len(set(members))
    assert set(TUNING_FONTS) | set(HELD_OUT_FONTS) <= set(members)
    assert set(HANDWRITING_FONTS) == set(members)


def test_no_font_of_a_held_out_family_is_in_any_tuning_set():
    held_out_families = {family_of(font) for font in HARD_HELD_OUT_FONTS}
    assert held_out_families == set(HARD_HELD_OUT_FAMILIES)
    for tuning in (TUNING_FONTS, HARD_TUNING_FONTS, FONT_SETS["tuning"], FONT_SETS["hard-tuning"]):
        assert not {family_of(font) for font in tuning} & held_out_families
    # Whole families: every member of a held-out family is held out.
    for family in HARD_HELD_OUT_FAMILIES:
        assert set(FONT_FAMILIES[family]) <= set(HARD_HELD_OUT_FONTS)


def test_the_standard_split_is_unchanged_and_its_held_out_fonts_are_never_tuned():
    assert HELD_OUT_FONTS == ("kalam", "shadows-into-light", "reenie-beanie", "rufscript")
    assert not set(HELD_OUT_FONTS) & set(HARD_TUNING_FONTS)


def test_the_hard_tier_holds_out_connected_scripts():
    assert {"great-vibes", "ms-madi", "pinyon-script"} <= set(HARD_HELD_OUT_FONTS)
    assert {"dancing-script", "sacramento"} <= set(HARD_TUNING_FONTS)
