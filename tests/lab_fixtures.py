"""Tiny embedding sets for the embedding-lab tests: a GloVe text file, a model folder, word2vec text.

Geometry (4 axes: royalty, gender (+ male), fruit, sentiment): king - man + woman is queen, the
positive words share the sentiment axis, the negative ones point the other way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import NEGATIVE_WORDS, POSITIVE_WORDS

VECTORS = {
    "king": [1.0, 1.0, 0.0, 0.0],
    "queen": [1.0, -1.0, 0.0, 0.0],
    "man": [0.0, 1.0, 0.0, 0.1],
    "woman": [0.0, -1.0, 0.0, 0.1],
    "prince": [0.8, 0.9, 0.1, 0.0],
    "apple": [0.0, 0.0, 1.0, 0.0],
    "pear": [0.0, 0.1, 0.9, 0.1],
    "movie": [0.1, 0.1, 0.2, 0.1],
    "film": [0.1, 0.15, 0.2, 0.1],
    "good": [0.1, 0.0, 0.0, 1.0],
    "great": [0.2, 0.0, 0.1, 0.9],
    "excellent": [0.0, 0.1, 0.1, 0.95],
    "bad": [0.1, 0.0, 0.0, -1.0],
    "awful": [0.0, 0.1, 0.1, -0.9],
    "terrible": [0.1, 0.1, 0.0, -0.95],
}


def write_glove(path: Path) -> Path:
    lines = [f"{w} " + " ".join(f"{x:.4f}" for x in v) for w, v in VECTORS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_model(folder: Path) -> Path:
    """A model folder whose Embedding rows are VECTORS and whose lean is the sentiment axis."""
    import torch

    from inksight.nlp.classifier import save_classifier
    from inksight.nlp.model import EmbeddingClassifier, ModelConfig
    from inksight.nlp.preprocess import PreprocessConfig
    from inksight.nlp.vocab import PAD, UNK, Vocab

    words = [*VECTORS, "not_good"]
    vocab = Vocab([PAD, UNK, *words], {w: 100 - i for i, w in enumerate(words)})
    model = EmbeddingClassifier(ModelConfig(vocab_size=len(vocab), embed_dim=4))
    matrix = np.zeros((len(vocab), 4), dtype=np.float32)
    matrix[2 : 2 + len(VECTORS)] = np.asarray(list(VECTORS.values()))
    matrix[-1] = [0.0, 0.0, 0.0, -0.8]  # not_good
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(matrix))
        model.classifier.weight.zero_()
        model.classifier.weight[1, 3] = 1.0  # lean = the sentiment coordinate
    return save_classifier(
        folder, model, vocab, PreprocessConfig(n_process=1), max_len=50, bigrams=True
    )


def tiny_reviews() -> list[list[str]]:
    """Token lists for a seconds-long word2vec run."""
    rng = np.random.default_rng(0)
    pos, neg = ["good", "great", "excellent"], ["bad", "awful", "terrible"]
    common = ["movie", "film", "king", "queen", "man", "woman", "apple", "pear"]
    return [[*rng.choice(pos if i % 2 else neg, 3), *rng.choice(common, 5)] for i in range(400)]


SENTIMENT_DIM = 6  # write_vectors: axis 0 carries the sentiment, the rest is noise


def write_vectors(path: Path, words: list[str]) -> dict[str, np.ndarray]:
    """GloVe text: praise words lean +1 on axis 0, complaints -1, others small noise."""
    rng = np.random.default_rng(1)
    table = {}
    for word in words:
        vector = rng.normal(0, 0.1, SENTIMENT_DIM)
        vector[0] = 1.0 if word in POSITIVE_WORDS else -1.0 if word in NEGATIVE_WORDS else 0.0
        table[word] = vector.astype(np.float32)
    lines = [w + " " + " ".join(f"{x:.6f}" for x in v) for w, v in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        w: np.asarray([float(f"{x:.6f}") for x in v], dtype=np.float32) for w, v in table.items()
    }
