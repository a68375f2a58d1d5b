"""How the commands talk: results on stdout, everything else on stderr.

A command prints its result (a table, JSON, the path it wrote) with ``print``; notes and progress go
through ``info`` and ``show_progress``, so ``-q`` silences them and a pipe receives only results.
``-v`` lowers the ``inksight`` loggers to DEBUG. Warnings and errors are always shown.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["configure", "info", "show_progress"]

log = logging.getLogger("inksight")
LEVELS = {-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}  # -q, nothing, -v


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (a test's capture, a redirected stream)."""

    @property
    def stream(self):  # noqa: D102 - logging's own attribute
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # always the current sys.stderr


def configure(verbosity: int | None) -> None:
    """Set the ``inksight`` loggers' level: -1 quiet, 0 normal, 1 verbose. ``None`` undoes it
    (a command ending inside a longer-lived process, such as a test run)."""
    for handler in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
        log.removeHandler(handler)
    if verbosity is None:
        log.setLevel(logging.NOTSET)
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(LEVELS[max(-1, min(1, verbosity))])


def info(message: str) -> None:
    """A note for the person at the terminal (stderr; silenced by ``-q``)."""
    log.info(message)


def show_progress() -> bool:
    """Whether progress lines and bars should be drawn (not under ``-q``)."""
    return log.isEnabledFor(logging.INFO)
