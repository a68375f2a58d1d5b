"""--random-dims: a [pretrained | random] Embedding, wider than the vectors, fine-tuned whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NEGATIVE_WORDS, NEUTRAL_WORDS, POSITIVE_WORDS
from lab_fixtures import SENTIMENT_DIM as DIM
from lab_fixtures import write_vectors

from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig


def test_random_dims_widen_the_pretrained_embedding_and_it_still_learns(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.train.fit import train_main

    vectors = tmp_path / "tiny.glove.txt"
    write_vectors(vectors, POSITIVE_WORDS + NEGATIVE_WORDS + NEUTRAL_WORDS + ["the"])
    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embeddings="glove", vectors=vectors,
            random_dims=5, epochs=5, patience=5, batch_size=16, lr=0.02, min_freq=1,
            progress=False,
        )
    )  # fmt: skip

    clf = load_classifier(tmp_path / "m")
    assert clf.model.config.embed_dim == DIM + 5
    assert metrics["test"]["accuracy"] >= 0.8
    assert metrics["trainable_parameters"] == len(clf.vocab) * (DIM + 5) + 2 * (DIM + 5) + 2


@pytest.mark.parametrize("options", [{"random_dims": 4}, {"random_dims": 4, "freeze": True}])
def test_random_dims_without_finetuned_pretrained_vectors_is_refused(options: dict) -> None:
    embeddings = {"embeddings": "glove"} if options.get("freeze") else {}
    with pytest.raises(PipelineError, match="--random-dims needs"):
        TrainConfig(**embeddings, **options)
