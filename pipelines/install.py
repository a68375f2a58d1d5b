"""What is installed: library versions, one fingerprint of the whole install, the git commit.

The same code and seed has trained a different model after a fresh `make install` (unpinned
packages resolve anew; docs/sentiment.md, ninth round), so every training run and benchmark
result records which install made it. Light: no heavy imports.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

__all__ = ["git_commit", "install_fingerprint", "library_versions", "version"]


def library_versions(distributions: Iterable[str]) -> dict[str, str | None]:
    """Each distribution's installed version (None when it is not installed)."""
    return {name: version(name) for name in distributions}


def install_fingerprint() -> str:
    """16 hex digits from every installed distribution and its version: equal installs give
    equal fingerprints, and any package moved changes it."""
    installed: dict[str, str] = {}
    for distribution in metadata.distributions():
        # The first of a name is the one imports use; a later one is a shadow, not more install
        # (run from a checkout, its own `inksight.egg-info` is found beside the installed one).
        name = re.sub(r"[-_.]+", "-", distribution.metadata["Name"]).lower()
        installed.setdefault(name, distribution.version)
    pins = sorted(f"{name}=={pin}" for name, pin in installed.items())
    return hashlib.sha256("\n".join(pins).encode()).hexdigest()[:16]


def version(distribution: str) -> str | None:
    """One distribution's installed version, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout this code runs from; None when it is installed, not checked out."""
    project = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "HEAD"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    # A site-packages inside someone else's repository must not report that repository's commit.
    if len(out) != 2 or Path(out[0]).resolve() != project:
        return None
    return out[1]
