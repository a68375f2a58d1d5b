"""Pretrained vectors inside the classifier: frozen vs fine-tuned, coverage, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import NEGATIVE_WORDS, NEUTRAL_WORDS, POSITIVE_WORDS
from lab_fixtures import SENTIMENT_DIM as DIM
from lab_fixtures import write_vectors
from safetensors.numpy import load_file

from inksight.nlp.vectors.word_vectors import WordVectors, keyed_vectors_from_matrix
from inksight.nlp.vocab import PAD, UNK, Vocab
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main
from inksight.pipelines.train.pretrained import build_initial_embeddings
from inksight.ui.cli import main as cli


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("vectors") / "tiny.glove.txt"
    return path, write_vectors(path, POSITIVE_WORDS + NEGATIVE_WORDS + NEUTRAL_WORDS + ["the"])


def _train(tmp_path: Path, data: Path, vectors: Path, *flags: str) -> tuple[dict, dict, Vocab]:
    out = tmp_path / "model"
    args = ["train", "--out", str(out), "--data", str(data), "--vectors", str(vectors)]
    args += ["--embeddings", "glove", "--epochs", "5", "--patience", "5", "--batch-size", "16"]
    args += ["--lr", "0.02", "--min-freq", "1", "--no-progress", "--json", *flags]
    assert cli(args) == 0
    weights = load_file(str(out / "model.safetensors"))
    config = json.loads((out / "config.json").read_text())
    return weights, config, Vocab.load(out / "vocab.txt")


def _pretrained_rows(vocab: Vocab, table: dict[str, np.ndarray]) -> list[int]:
    return [vocab.stoi[w] for w in table if w in vocab]


def test_frozen_glove_stays_put_while_the_linear_layer_learns(
    tmp_path: Path, tiny_reviews_csv: Path, vectors_file, capsys: pytest.CaptureFixture
) -> None:
    path, table = vectors_file
    weights, config, vocab = _train(tmp_path, tiny_reviews_csv, path, "--freeze")
    metrics = json.loads(capsys.readouterr().out)
    embedding = weights["embedding.weight"]
    rows = _pretrained_rows(vocab, table)
    assert len(rows) >= 15
    for row in rows:
        np.testing.assert_array_equal(embedding[row], table[vocab.itos[row]])
    # Only the Linear layer trained, and it learned the sentiment axis.
    assert metrics["trainable_parameters"] == 2 * DIM + 2
    assert metrics["test"]["accuracy"] >= 0.8
    assert np.abs(weights["classifier.weight"][:, 0]).max() > 0.2
    described = config["embeddings"]
    assert described["init"] == "glove" and described["frozen"] is True
    assert described["vectors"] == str(path) and described["dim"] == DIM


def test_finetuned_glove_moves_and_records_it(
    tmp_path: Path, tiny_reviews_csv: Path, vectors_file, capsys: pytest.CaptureFixture
) -> None:
    path, table = vectors_file
    weights, config, vocab = _train(tmp_path, tiny_reviews_csv, path, "--finetune")
    capsys.readouterr()
    embedding = weights["embedding.weight"]
    moved = [
        not np.allclose(embedding[r], table[vocab.itos[r]]) for r in _pretrained_rows(vocab, table)
    ]
    assert sum(moved) >= len(moved) // 2
    assert config["embeddings"]["frozen"] is False


def test_train_unknown_trains_only_rows_without_a_vector(
    tmp_path: Path, tiny_reviews_csv: Path, vectors_file, capsys: pytest.CaptureFixture
) -> None:
    path, table = vectors_file
    few = tmp_path / "few.txt"
    few_table = write_vectors(few, ["great", "awful", "movie", "film", "plot"])
    weights, config, vocab = _train(tmp_path, tiny_reviews_csv, few, "--freeze", "--train-unknown")
    metrics = json.loads(capsys.readouterr().out)
    embedding = weights["embedding.weight"]
    for row in _pretrained_rows(vocab, few_table):
        np.testing.assert_array_equal(embedding[row], few_table[vocab.itos[row]])
    start = build_initial_embeddings(vocab, _word_vectors(few_table), [], seed=13)
    unknown = [vocab.stoi[w] for w in ("wonderful", "terrible")]
    assert all(not np.allclose(embedding[r], start.matrix[r]) for r in unknown)
    assert config["embeddings"]["train_unknown"] is True
    coverage = config["embeddings"]["coverage"]
    started_pretrained = (
        coverage["exact"] + coverage["via_surface_form"] + coverage["bigrams_from_parts"]
    )
    unknown_rows = len(vocab) - 1 - started_pretrained  # <pad> never trains
    assert metrics["trainable_parameters"] == unknown_rows * DIM + 2 * DIM + 2


def _word_vectors(table: dict[str, np.ndarray]) -> WordVectors:
    words = list(table)
    return WordVectors(keyed_vectors_from_matrix(words, np.stack([table[w] for w in words])))


def test_coverage_counts_words_forms_bigrams_and_tokens() -> None:
    table = {w: np.full(3, i, dtype=np.float32) for i, w in enumerate(["good", "acting", "not"])}
    vocab = Vocab([PAD, UNK, "good", "act", "plot", "not_good", "plot_good"])
    tokens = [["good", "act", "plot"], ["not", "good", "rare"]]  # "not" and "rare" not in vocab
    forms = {"act": ["acts", "acting"]}
    start = build_initial_embeddings(vocab, _word_vectors(table), tokens, forms, seed=3)
    cov = start.coverage
    assert (cov.unigrams, cov.exact, cov.via_surface_form) == (3, 1, 1)
    assert (cov.bigrams, cov.bigrams_from_parts) == (2, 1)
    assert (cov.training_tokens, cov.covered_tokens) == (6, 3)  # good, act, good
    np.testing.assert_array_equal(start.matrix[vocab.stoi["act"]], table["acting"])
    np.testing.assert_array_equal(start.matrix[vocab.stoi["not_good"]], [1.0, 1.0, 1.0])
    assert start.trainable_rows == [vocab.stoi[w] for w in (UNK, "plot", "plot_good")]
    assert not start.matrix[0].any()
    again = build_initial_embeddings(vocab, _word_vectors(table), tokens, forms, seed=3)
    np.testing.assert_array_equal(start.matrix, again.matrix)  # seeded random rows


def test_explicit_embed_dim_that_disagrees_is_refused(
    tmp_path: Path, tiny_reviews_csv: Path, vectors_file
) -> None:
    path, _ = vectors_file
    config = TrainConfig(
        out=tmp_path / "m", data=tiny_reviews_csv, embeddings="glove", vectors=path, embed_dim=7,
        min_freq=1, progress=False,
    )  # fmt: skip
    with pytest.raises(PipelineError, match="--embed-dim 7 disagrees with the 6-dimensional"):
        train_main(config)


def test_low_coverage_is_warned_with_the_share(
    tmp_path: Path, tiny_reviews_csv: Path, capsys: pytest.CaptureFixture
) -> None:
    sparse = tmp_path / "sparse.txt"
    write_vectors(sparse, ["great", "zebra", "quantum"])
    _, config, _ = _train(tmp_path, tiny_reviews_csv, sparse, "--freeze", "--epochs", "1")
    err = capsys.readouterr().err
    assert "inksight: warning: only " in err and "% of the training tokens" in err
    assert config["embeddings"]["coverage"]["token_share"] < 0.2
    assert config["embeddings"]["warnings"]


def test_cli_refuses_vectors_without_pretrained_embeddings(
    tmp_path: Path, tiny_reviews_csv: Path, vectors_file, capsys: pytest.CaptureFixture
) -> None:
    path, _ = vectors_file
    code = cli(["train", "--data", str(tiny_reviews_csv), "--vectors", str(path), "--freeze"])
    assert code == 2
    assert "need --embeddings glove or word2vec" in capsys.readouterr().err
