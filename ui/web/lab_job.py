"""The quick lab, run from the web page: one run at a time, in a background thread.

A visitor without a report presses one button; the run goes on in a thread while the page keeps
serving, and the page polls ``status_markdown`` until the report is there. The run itself is
``inksight lab run --quick`` (minutes, resumable: a run cut short by a restart continues where
it stopped).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

__all__ = ["LabJob", "run_quick_lab"]

log = logging.getLogger("inksight.app")
LabRunner = Callable[[Callable[[str], None]], object]  # run(on_step) -> anything


def run_quick_lab(on_step: Callable[[str], None]) -> dict:
    """``inksight lab run --quick`` into the cache's ``lab-quick/`` folder."""
    from inksight.pipelines.lab.experiments import ExperimentConfig
    from inksight.pipelines.lab.run import lab_run_main

    # progress=False: the page shows the steps; the server's log is not the place for cells.
    return lab_run_main(ExperimentConfig(quick=True, progress=False), on_step=on_step)


class LabJob:
    """The state of the page's lab run: idle, running (with its current step), done or failed."""

    def __init__(self, run: LabRunner = run_quick_lab) -> None:
        self._run = run
        self._lock = threading.Lock()
        self.state = "idle"
        self.step = ""
        self.error = ""
        self.started = 0.0

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> bool:
        """Start a run unless one is going; returns whether this call started it."""
        with self._lock:
            if self.running:
                return False
            self.state, self.step, self.error = "running", "starting", ""
            self.started = time.monotonic()
        threading.Thread(target=self._work, name="quick-lab", daemon=True).start()
        return True

    def _work(self) -> None:
        from inksight.pipelines.errors import USER_ERRORS, error_sentence

        try:
            self._run(self._on_step)
        except USER_ERRORS as error:  # missing data or vectors: the sentence says what to do
            self.error, self.state = error_sentence(error), "failed"
        except Exception:  # noqa: BLE001 - a thread's failure must reach the page, not vanish
            log.exception("the quick lab failed")
            self.error = "something went wrong inside Inksight (the details are in the server log)."
            self.state = "failed"
        else:
            self.state = "done"

    def _on_step(self, step: str) -> None:
        self.step = step

    def status_markdown(self) -> str:
        """One line for the page: what the run is doing, or how it ended."""
        if self.state == "running":
            minutes = (time.monotonic() - self.started) / 60
            return (
                f"⏳ The quick lab is running ({self.step}; {minutes:.0f} min so far, usually a "
                "few minutes). The other tabs work meanwhile; the report appears here when done."
            )
        if self.state == "failed":
            return f"⚠️ The quick lab stopped: {self.error}"
        return ""
