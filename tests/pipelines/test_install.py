"""The install fingerprint: one install, one fingerprint, wherever it is run from."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from inksight.pipelines.install import install_fingerprint


def _dist_info(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_a_second_copy_of_an_installed_package_on_the_path_is_the_same_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a checkout, its own metadata folder shadows the installed one: the rows of an
    ablation and of `inksight train` made in one install must carry one fingerprint."""
    before = install_fingerprint()
    _dist_info(tmp_path, "numpy", numpy.__version__)
    monkeypatch.syspath_prepend(str(tmp_path))

    assert install_fingerprint() == before


def test_a_package_added_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = install_fingerprint()
    _dist_info(tmp_path, "inksight-test-only-package", "1.0")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert install_fingerprint() != before
