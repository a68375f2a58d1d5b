"""Fonts for tests: the first installed handwriting font of a list, or DejaVu Sans for print."""

from __future__ import annotations

import pytest
from PIL import ImageFont

from inksight.pipelines.errors import PipelineError
from inksight.pipelines.ocr_jobs import resolve_fonts


def installed_font(*names: str) -> str:
    """The first of ``names`` whose font files are on this machine; skips the test when none is."""
    for name in names:
        try:
            resolve_fonts([name])
            return name
        except PipelineError:
            continue
    pytest.skip("no font files found: run scripts/install_fonts.sh")


DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def dejavu_sans(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` px (plain print); skips the test when it is not installed."""
    try:
        return ImageFont.truetype(DEJAVU_SANS, size)
    except OSError:
        pytest.skip("DejaVuSans (Debian fonts-dejavu-core) is not installed")
