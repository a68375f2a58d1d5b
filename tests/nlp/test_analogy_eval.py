"""Batched analogy evaluation gives gensim's answers; word-pair correlation and OOV rates."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.analogy import (
    evaluate_analogies,
    evaluate_word_pairs,
    read_analogy_questions,
)
from inksight.nlp.vectors.word_vectors import keyed_vectors_from_matrix


def random_vectors(words: int = 400, dim: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    names = [f"w{i}" for i in range(words)]
    # Case variants and clustered rows stress gensim's case folding and exclusion rules.
    names[50], names[51] = "Paris", "paris"
    matrix = rng.normal(size=(words, dim)).astype(np.float32)
    matrix[100:140] = matrix[100] + 0.05 * rng.normal(size=(40, dim))
    return keyed_vectors_from_matrix(names, matrix)


def write_questions(path: Path, words: list[str], seed: int = 0) -> Path:
    rnd = random.Random(seed)
    lines = []
    for section in ("capital-world", "family", "gram1-adjective-to-adverb", "gram8-plural"):
        lines.append(f": {section}")
        for _ in range(60):
            lines.append(" ".join(rnd.choice(words) for _ in range(4)))
        lines.append("PARIS w101 w102 w103")
        lines.append("w1 w2 w3 unknownword")  # skipped: a word outside the vocabulary
        lines.append("too few words")  # ignored like gensim does
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("restrict", [150, 400])
def test_batched_scores_match_gensim_section_by_section(tmp_path: Path, restrict: int) -> None:
    kv = random_vectors()
    # Questions drawn mostly from a tight cluster so that wrong answers are common and near.
    pool = [f"w{i}" for i in range(100, 140)] + ["paris", "Paris", "w1", "w7", "w300"]
    questions = write_questions(tmp_path / "q.txt", pool)
    ours = evaluate_analogies(kv, questions, restrict_vocab=restrict, batch_size=7)
    _, gensim_sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
    theirs = {
        s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
        for s in gensim_sections
    }
    assert ours.total > 100
    assert 0 < ours.correct < ours.total
    for section in ours.sections:
        assert (section.correct, section.total) == theirs[section.name], section.name
    assert ours.correct == theirs["Total accuracy"][0]


def test_sections_split_semantic_and_syntactic_and_count_oov(tmp_path: Path) -> None:
    kv = random_vectors()
    questions = write_questions(tmp_path / "q.txt", [f"w{i}" for i in range(100, 140)])
    result = evaluate_analogies(kv, questions, restrict_vocab=400).to_dict()
    kinds = {s["section"]: s["kind"] for s in result["sections"]}
    assert kinds["family"] == "semantic" and kinds["gram8-plural"] == "syntactic"
    assert all(s["skipped"] == 1 for s in result["sections"])
    assert result["oov_rate"] == pytest.approx(4 / (4 + result["total"]), abs=1e-5)
    with_cosmul = evaluate_analogies(kv, questions, restrict_vocab=400, method="3CosMul")
    assert with_cosmul.total == result["total"]


def test_known_geometry_is_solved(tmp_path: Path) -> None:
    words = ["man", "woman", "king", "queen", "boy", "girl"]
    matrix = np.asarray(
        [[0, 1, 0], [0, -1, 0], [1, 1, 0], [1, -1, 0], [0, 1, 1], [0, -1, 1]], dtype=np.float32
    )
    kv = keyed_vectors_from_matrix(words, matrix)
    path = tmp_path / "q.txt"
    path.write_text(": family\nman woman king queen\nMAN WOMAN BOY GIRL\n", encoding="utf-8")
    for method in ("3CosAdd", "3CosMul"):
        assert evaluate_analogies(kv, path, method=method).accuracy == 1.0


def test_bad_question_files(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("a b c d\n", encoding="utf-8")
    with pytest.raises(NlpError, match="before any ': section' line"):
        read_analogy_questions(path)
    path.write_text(": empty\n", encoding="utf-8")
    with pytest.raises(NlpError, match="holds no analogy questions"):
        read_analogy_questions(path)
    kv = random_vectors()
    with pytest.raises(NlpError, match="unknown analogy method"):
        evaluate_analogies(kv, write_questions(tmp_path / "ok.txt", ["w1"]), method="3CosFoo")


def test_word_pairs_correlation_and_unknown_rate(tmp_path: Path) -> None:
    words = ["cat", "dog", "car", "truck", "banana"]
    matrix = np.asarray(
        [[1, 0.1, 0], [0.9, 0.2, 0], [0, 1, 0.1], [0.1, 0.9, 0.2], [0, 0, 1]], dtype=np.float32
    )
    kv = keyed_vectors_from_matrix(words, matrix)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "# comment\ncat\tdog\t9\ncar\ttruck\t8.5\ncat\tbanana\t0.5\ncar\tbanana\t1\n"
        "dog\tzebra\t5\n",
        encoding="utf-8",
    )
    result = evaluate_word_pairs(kv, pairs)
    assert result.spearman == pytest.approx(1.0)
    assert result.pairs == 5 and result.oov_rate == pytest.approx(0.2)
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("zebra\tyak\t3\n", encoding="utf-8")
    assert evaluate_word_pairs(kv, unknown).to_dict()["spearman"] is None


def test_zero_vectors_never_answer(tmp_path: Path) -> None:
    words = ["man", "woman", "king", "queen", "blank"]
    matrix = np.asarray([[0, 1, 0], [0, -1, 0], [1, 1, 0], [1, -1, 0], [0, 0, 0]], np.float32)
    kv = keyed_vectors_from_matrix(words, matrix)
    path = tmp_path / "q.txt"
    path.write_text(": family\nman woman king queen\n", encoding="utf-8")
    assert evaluate_analogies(kv, path).accuracy == 1.0
    with np.errstate(invalid="ignore"):  # gensim divides by the zero norm
        _, sections = kv.evaluate_word_analogies(str(path))
    assert len(sections[-1]["correct"]) == 1


def test_gensim_ships_the_three_evaluation_sets_and_typos_are_named() -> None:
    from inksight.pipelines.assets import EVALUATION_FILES, evaluation_file
    from inksight.pipelines.errors import AssetError

    questions = evaluation_file("questions-words.txt")
    assert read_analogy_questions(questions)  # the real file parses into questions
    assert all(evaluation_file(name).stat().st_size > 1000 for name in EVALUATION_FILES)
    with pytest.raises(AssetError, match="unknown evaluation file 'simlex.txt'"):
        evaluation_file("simlex.txt")
