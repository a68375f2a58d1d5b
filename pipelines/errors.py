"""Errors the user can act on, gathered so the CLI and the web app can show one sentence each."""

from nlp.errors import NlpError
from ocr.errors import OcrError

__all__ = ["AssetError", "PipelineError", "USER_ERRORS"]


class PipelineError(ValueError):
    """A problem with the user's request to a pipeline (paths, options, output files)."""


class AssetError(PipelineError):
    """An asset (dataset, vectors, weights, model) could not be found; the message says how to get it."""


USER_ERRORS: tuple[type[Exception], ...] = (
    NlpError,
    OcrError,
    PipelineError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    UnicodeDecodeError,
)
