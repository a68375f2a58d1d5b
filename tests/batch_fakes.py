"""Helpers for the batch tests: the shared fake engine with a fake classifier, importable by name
so worker processes and subprocesses can build them.

Run as a script, it is ``inksight batch`` itself (the real CLI: its options, messages and exit
codes) with the fake pipeline: ``python batch_fakes.py DELAY FOLDER --out OUT [--force ...]``,
DELAY seconds per file, so a test can run, refuse and ``kill -9`` real batches in a second.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from types import SimpleNamespace

from fakes import FakeEngine, write_scan

from inksight.nlp.errors import NlpError
from inksight.ocr.synth import EXAMPLE_REVIEWS
from inksight.pipelines.analyze import Pipeline

__all__ = ["FakeClassifier", "FakeEngine", "fake_cli", "fake_pipeline", "write_scan"]


class FakeClassifier:
    """Labels the built-in example reviews by their known label, without loading torch or spaCy
    (a subprocess that is killed and restarted several times starts in a second)."""

    def classify(self, text: str, few_known_share: float = 0.5):
        labels = dict(EXAMPLE_REVIEWS)
        if text not in labels:
            raise NlpError("the review is empty.")
        label = "positive" if labels[text] == "pos" else "negative"
        return SimpleNamespace(
            label=label, probability=0.9, top_words=[], tokens=5, known_tokens=5, warnings=[]
        )

    def classify_many(self, texts: list[str]) -> list:
        return [self.classify(text) if text in dict(EXAMPLE_REVIEWS) else None for text in texts]


def fake_pipeline(model_dir: str | Path | None, delay: float = 0.0) -> Pipeline:
    """The fake engine with the tiny model from ``model_dir``, or with ``FakeClassifier``."""
    if model_dir is None:
        return Pipeline(FakeEngine(delay), FakeClassifier())
    from inksight.nlp.classifier import load_classifier

    return Pipeline(FakeEngine(delay), load_classifier(model_dir))


def fake_cli(argv: list[str]) -> int:
    """``inksight batch ARGV`` with ``fake_pipeline(None, delay=float(argv[0]))``."""
    import inksight.pipelines.batch.run as run
    from inksight.ui.cli import main

    delay, *options = argv
    run._factory = lambda pipeline: partial(fake_pipeline, None, delay=float(delay))
    return main(["batch", *options, "--no-progress"])


if __name__ == "__main__":
    sys.exit(fake_cli(sys.argv[1:]))
