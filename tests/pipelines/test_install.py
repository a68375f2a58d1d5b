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


def test_every_library_the_project_asks_for_is_pinned_for_make_install() -> None:
    """A dependency added to pyproject.toml without `make lock` would install at whatever
    version the day offers, and the figures in docs/ would move with it."""
    import tomllib

    from packaging.requirements import Requirement

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    asked = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    pinned = {}
    for line in (root / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            pinned[requirement.name.lower().replace("_", "-")] = requirement.specifier

    for text in asked:
        requirement = Requirement(text)
        if requirement.name == "inksight":  # an extra that names the others
            continue
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in constraints.txt: run `make lock`"
        (version,) = [spec.version for spec in pinned[name]]
        assert requirement.specifier.contains(version.split("+")[0], prereleases=True), name
