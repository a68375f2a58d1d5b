"""Handwriting fonts for synthetic reviews: finding the files, and which fonts tuning may look at.

``scripts/install_fonts.sh`` installs three Debian font packages and twelve npm ``@fontsource``
packages. ``find_fonts`` maps a short font name to its file under the folders it is given (the
caller decides which folders; ``ocr`` never looks anything up by itself).

The fonts are split once, before any measurement, into a TUNING set (free to look at while choosing
engine settings) and a HELD-OUT set (only ever used to report accuracy). The held-out four were
picked to span the range rather than to be easy: ``kalam`` (neat, slanted print),
``shadows-into-light`` (thin, narrow strokes), ``reenie-beanie`` (scrawly, small x-height: the
hardest to read of the four) and ``rufscript`` (a Debian font with joined, calligraphic letters).
That split is kept as it is so the standard tier of the OCR benchmark stays comparable over time.

The hard tier (connected cursive beside the print hands) is split by FAMILY instead: fonts that
look alike (same kind of pen, same construction, often the same foundry) form a family, and a
family goes to one side whole, so no held-out font has a near-twin that tuning could have fitted.

* held out: ``pointed-pen`` (formal copperplate and the fast signature hands drawn from it; Mr De
  Haviland, Herr Von Muellerhoff and Monsieur La Doulaise share one foundry, so they must go
  together) and ``thin-scrawl`` (thin, narrow, hurried print; it already held two of the four
  fonts held out above, so the whole family follows them).
* tuning: ``brush-script`` and ``joined-monoline`` (the casual connected hands), ``casual-print``
  and ``neat-print`` (the print hands tuning has always seen).
* ``kalam`` and ``rufscript`` are in tuning families but were held out before the families
  existed; they stay out of every tuning set and are in neither hard set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "TUNING_FONTS",
    "HELD_OUT_FONTS",
    "FONT_FAMILIES",
    "HARD_HELD_OUT_FAMILIES",
    "HARD_TUNING_FONTS",
    "HARD_HELD_OUT_FONTS",
    "family_of",
    "HANDWRITING_FONTS",
    "FONT_SETS",
    "find_fonts",
    "select_fonts",
]

TUNING_FONTS: tuple[str, ...] = (
    "architects-daughter",
    "caveat",
    "cedarville-cursive",
    "gloria-hallelujah",
    "gochi-hand",
    "indie-flower",
    "nanum-pen-script",
    "patrick-hand",
    "rock-salt",
    "dkg",
    "breip",
)
HELD_OUT_FONTS: tuple[str, ...] = ("kalam", "shadows-into-light", "reenie-beanie", "rufscript")

# Every handwriting font in exactly one family of look-alikes (see the module docstring).
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "neat-print": ("architects-daughter", "gochi-hand", "kalam", "patrick-hand"),
    "casual-print": (
        "caveat",
        "gloria-hallelujah",
        "indie-flower",
        "nanum-pen-script",
        "rock-salt",
        "dkg",
        "breip",
    ),
    "thin-scrawl": (
        "shadows-into-light",
        "reenie-beanie",
        "covered-by-your-grace",
        "sue-ellen-francisco",
        "the-girl-next-door",
    ),
    "brush-script": ("dancing-script", "satisfy", "yellowtail", "cookie"),
    "joined-monoline": (
        "cedarville-cursive",
        "sacramento",
        "marck-script",
        "bad-script",
        "rufscript",
    ),
    "pointed-pen": (
        "allura",
        "great-vibes",
        "alex-brush",
        "pinyon-script",
        "parisienne",
        "monsieur-la-doulaise",
        "herr-von-muellerhoff",
        "mr-de-haviland",
        "ms-madi",
    ),
}
HARD_HELD_OUT_FAMILIES: tuple[str, ...] = ("pointed-pen", "thin-scrawl")
HARD_HELD_OUT_FONTS: tuple[str, ...] = tuple(
    font for family in HARD_HELD_OUT_FAMILIES for font in FONT_FAMILIES[family]
)
# Tuning families, less the fonts the standard split already holds out (kalam, rufscript).
HARD_TUNING_FONTS: tuple[str, ...] = tuple(
    font
    for family, fonts in FONT_FAMILIES.items()
    if family not in HARD_HELD_OUT_FAMILIES
    for font in fonts
    if font not in HELD_OUT_FONTS
)
HANDWRITING_FONTS: tuple[str, ...] = tuple(
    font for fonts in FONT_FAMILIES.values() for font in fonts
)

# Names a user may give instead of listing fonts one by one.
FONT_SETS: dict[str, tuple[str, ...]] = {
    "tuning": TUNING_FONTS,
    "held-out": HELD_OUT_FONTS,
    "all": HANDWRITING_FONTS,
    "hard-tuning": HARD_TUNING_FONTS,
    "hard-held-out": HARD_HELD_OUT_FONTS,
}

_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")
# @fontsource ships every subset and weight; the basic Latin regular face covers review text.
_FONTSOURCE_FILE = re.compile(r"^(?P<name>.+)-latin-400-normal\.woff2?$")
# Debian file stems whose short name differs from the lower-cased stem.
_DEBIAN_NAMES = {"rufscript010": "rufscript", "breipfont": "breip-alt"}


def family_of(font: str) -> str | None:
    """The family a font belongs to, or None for a font outside ``FONT_FAMILIES``."""
    return next((family for family, fonts in FONT_FAMILIES.items() if font in fonts), None)


def _font_name(path: Path) -> str | None:
    """Short name of a font file, or None for files that are not the face we render with."""
    match = _FONTSOURCE_FILE.match(path.name)
    if match:
        return match["name"]
    if "node_modules" in path.parts or "@fontsource" in path.parts:
        return None  # other subsets and weights of a @fontsource font
    stem = path.stem.lower()
    return _DEBIAN_NAMES.get(stem, stem)


def find_fonts(dirs: Iterable[Path]) -> dict[str, Path]:
    """Map short font names to font files found (recursively) under ``dirs``.

    Earlier folders win when two hold a font of the same name; within a folder ``.woff2`` is
    preferred over ``.woff``. Missing folders are skipped.

    Args:
        dirs: folders to search, e.g. ``third_party/fonts`` and ``/usr/share/fonts/truetype``.

    Returns:
        ``{"caveat": Path(".../caveat-latin-400-normal.woff2"), "dkg": Path(".../dkg.ttf"), ...}``,
        sorted by name.
    """
    found: dict[str, Path] = {}
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        files = sorted(
            (p for p in folder.rglob("*") if p.suffix.lower() in _FONT_SUFFIXES),
            key=lambda p: (_FONT_SUFFIXES.index(p.suffix.lower()), str(p)),
        )
        local: dict[str, Path] = {}
        for path in files:
            name = _font_name(path)
            if name and name not in local:
                local[name] = path
        for name, path in local.items():
            found.setdefault(name, path)
    return dict(sorted(found.items()))


def select_fonts(available: dict[str, Path], wanted: Iterable[str]) -> dict[str, Path]:
    """Pick fonts by name or set name (a key of ``FONT_SETS``) from ``available``.

    Returns only the fonts that are present; the caller decides whether a missing one is an error.
    """
    names: list[str] = []
    for item in wanted:
        for name in FONT_SETS.get(item, (item,)):
            if name not in names:
                names.append(name)
    return {name: available[name] for name in names if name in available}
