"""notebooks/embedding_lab.ipynb executes end to end (nbclient) on tiny data, so it never rots."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import NEGATIVE_WORDS, NEUTRAL_WORDS, POSITIVE_WORDS
from lab_fixtures import write_vectors
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "embedding_lab.ipynb"


def test_notebook_matches_its_generator() -> None:
    """The committed notebook is what scripts/make_embedding_lab_notebook.py writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_nb", ROOT / "scripts" / "make_embedding_lab_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = [(c.cell_type, c.source) for c in module.build().cells]
    committed = [(c.cell_type, c.source) for c in nbformat.read(NOTEBOOK, as_version=4).cells]
    assert built == committed


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
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    markdown = "\n".join(out.get("data", {}).get("text/markdown", "") for out in outputs)
    for title in ("Step 2: data", "Step 3: training", "Step 5: similarity", "Step 6: GloVe",
                  "Step 7a: scratch vs pretrained", "Step 7b: the learning curve"):  # fmt: skip
        assert title in markdown
    pictures = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(pictures) == 4  # three PCA pictures and the learning curve, inline
    assert (tmp_path / "lab" / "cells.jsonl").is_file()
