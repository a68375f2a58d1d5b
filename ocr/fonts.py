"""Handwriting fonts for synthetic reviews: finding the files, and which fonts tuning may look at.

``scripts/install_fonts.sh`` installs three Debian font packages and twelve npm ``@fontsource``
packages. ``find_fonts`` maps a short font name to its file under the folders it is given (the
caller decides which folders; ``ocr`` never looks anything up by itself).

The fonts are split once, before any measurement, into a TUNING set (free to look at while choosing
engine settings) and a HELD-OUT set (only ever used to report accuracy). The held-out four were
picked to span the range rather than to be easy: ``kalam`` (neat, slanted print),
``shadows-into-light`` (thin, narrow strokes), ``reenie-beanie`` (scrawly, small x-height: the
hardest to read of the four) and ``rufscript`` (a Debian font with joined, calligraphic letters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "TUNING_FONTS",
    "HELD_OUT_FONTS",
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
HANDWRITING_FONTS: tuple[str, ...] = TUNING_FONTS + HELD_OUT_FONTS

# Names a user may give instead of listing fonts one by one.
FONT_SETS: dict[str, tuple[str, ...]] = {
    "tuning": TUNING_FONTS,
    "held-out": HELD_OUT_FONTS,
    "all": HANDWRITING_FONTS,
}

_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")
# @fontsource ships every subset and weight; the basic Latin regular face covers review text.
_FONTSOURCE_FILE = re.compile(r"^(?P<name>.+)-latin-400-normal\.woff2?$")
# Debian file stems whose short name differs from the lower-cased stem.
_DEBIAN_NAMES = {"rufscript010": "rufscript", "breipfont": "breip-alt"}


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
    """Pick fonts by name or set name (``tuning``, ``held-out``, ``all``) from ``available``.

    Returns only the fonts that are present; the caller decides whether a missing one is an error.
    """
    names: list[str] = []
    for item in wanted:
        for name in FONT_SETS.get(item, (item,)):
            if name not in names:
                names.append(name)
    return {name: available[name] for name in names if name in available}
