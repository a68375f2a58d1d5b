"""Time the committed lab notebook top to bottom from an empty Inksight cache (the learner's first run).

Usage: ``python scripts/time_notebook.py``. Nothing in the repository is written: the notebook is
executed in memory, with ``INKSIGHT_HOME`` set to a new empty folder so every cache starts cold.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "embedding_lab.ipynb"


def main() -> int:
    import nbformat
    from nbclient import NotebookClient

    home = tempfile.mkdtemp(prefix="inksight-cold-")
    os.environ["INKSIGHT_HOME"] = home  # the kernel inherits it: every cache starts empty
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=900, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    seconds = time.perf_counter() - started
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{NOTEBOOK.name}: top to bottom in {seconds:.0f} s from an empty cache ({home}); load {load}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
