"""The first installed font of a preference list, for tests that render text by font name."""

from __future__ import annotations

import pytest

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
