"""Errors the user can act on, gathered so the CLI and the web app can show one sentence each."""

from inksight.nlp.errors import NlpError
from inksight.ocr.errors import OcrError

__all__ = ["AssetError", "PipelineError", "USER_ERRORS", "error_sentence"]


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


def error_sentence(error: BaseException) -> str:
    """One sentence for a user-fixable error (OS errors name the file, not an errno)."""
    if isinstance(error, UnicodeDecodeError):
        return f"the input is not UTF-8 text ({error.reason} at byte {error.start})."
    if isinstance(error, OSError) and error.filename:
        reason = (error.strerror or type(error).__name__).lower()
        return f"{error.filename}: {reason}."
    return str(error) or type(error).__name__
