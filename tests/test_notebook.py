"""notebooks/embedding_lab.ipynb executes end to end (nbclient) on tiny data, so it never rots,
and the committed copy is what its generator writes, with a real run's outputs in it."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import NEGATIVE_WORDS, NEUTRAL_WORDS, POSITIVE_WORDS
from lab_fixtures import write_vectors
from nbclient import NotebookClient
from script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "embedding_lab.ipynb"


def _generator():
    return load_script("make_embedding_lab_notebook")


def test_notebook_matches_its_generator() -> None:
    """The committed notebook is what scripts/make_embedding_lab_notebook.py writes."""
    built = [(c.cell_type, c.source) for c in _generator().build().cells]
    committed = [(c.cell_type, c.source) for c in nbformat.read(NOTEBOOK, as_version=4).cells]
    assert built == committed


def test_committed_notebook_is_readable_without_running_and_small() -> None:
    """Every code cell carries the outputs of a real run, pictures included, in a few MB."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    pictures = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(pictures) >= 3  # the two PCA maps and the learning curve
    assert NOTEBOOK.stat().st_size < 3_000_000


def test_the_text_quotes_only_measured_numbers_and_its_claims_hold() -> None:
    """Every number in the Markdown comes from notebooks/embedding_lab_results.json, and the
    verdicts the text states (scratch beats frozen GloVe...) agree with those numbers."""
    generator = _generator()
    generator.build()
    assert generator.Results.missing == []
    assert generator.check_claims(json.loads(generator.RESULTS.read_text())) == []


def test_notebook_runs_the_seven_steps_on_tiny_data(
    tmp_path: Path, tiny_reviews_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = tmp_path / "glove.txt"
    write_vectors(vectors, POSITIVE_WORDS + NEGATIVE_WORDS + NEUTRAL_WORDS + ["king", "queen"])
    for name, value in {
        "INKSIGHT_LAB_OUT": str(tmp_path / "lab"),
        "INKSIGHT_LAB_DATA": str(tiny_reviews_csv),
        "INKSIGHT_LAB_VECTORS": str(vectors),
        "INKSIGHT_LAB_QUICK": "1",
        "INKSIGHT_LAB_SIZES": "full",
        "INKSIGHT_LAB_COMPARE_SIZE": "full",
        "INKSIGHT_LAB_VARIANTS": "scratch glove-frozen",
        "INKSIGHT_LAB_POOLINGS": "max",
    }.items():
        monkeypatch.setenv(name, value)  # the kernel inherits this process's environment
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        cell.pop("outputs", None) if cell.cell_type != "code" else cell.update(outputs=[])
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    for seen in ("train ", "ids (64,", "epoch 1: val accuracy", "test accuracy",
                 "GloVe has vectors for", "trainable weights: 14", "notebook top to bottom"):  # fmt: skip
        assert seen in text
    pictures = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(pictures) == 3  # two PCA maps and the learning curve, inline
    assert (tmp_path / "lab" / "cells.jsonl").is_file()
