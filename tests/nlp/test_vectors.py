"""Loading, converting and querying embedding sets (tiny vectors with known geometry)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.word_vectors import (
    GENSIM_KV,
    GLOVE_TEXT,
    NPY_PARQUET,
    WORD2VEC_BINARY,
    WORD2VEC_TEXT,
    WordVectors,
    convert_glove_to_word2vec,
    detect_format,
    is_plain_word,
    keyed_vectors_from_matrix,
    load_fast_arrays,
    load_keyed_vectors,
    load_vectors,
    save_fast,
    write_word_list,
)

# Axes: royalty, gender (+ male), fruit, sentiment. king - man + woman lands exactly on queen.
TINY = {
    "king": [1.0, 1.0, 0.0, 0.0],
    "queen": [1.0, -1.0, 0.0, 0.0],
    "man": [0.0, 1.0, 0.0, 0.1],
    "woman": [0.0, -1.0, 0.0, 0.1],
    "prince": [0.8, 0.9, 0.1, 0.0],
    "apple": [0.0, 0.0, 1.0, 0.0],
    "pear": [0.0, 0.1, 0.9, 0.1],
    "good": [0.1, 0.0, 0.0, 1.0],
    "great": [0.2, 0.0, 0.1, 0.9],
    "bad": [0.1, 0.0, 0.0, -1.0],
    "awful": [0.0, 0.1, 0.1, -0.9],
    "not_good": [0.0, 0.0, 0.0, -0.8],
}


def write_glove(path: Path, table: dict[str, list[float]] = TINY) -> Path:
    lines = [f"{w} " + " ".join(f"{x:.6f}" for x in v) for w, v in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tiny() -> WordVectors:
    matrix = np.asarray(list(TINY.values()), dtype=np.float32)
    return WordVectors(keyed_vectors_from_matrix(list(TINY), matrix), name="tiny")


def test_every_format_is_detected_and_loads_the_same_vectors(tmp_path: Path) -> None:
    glove = write_glove(tmp_path / "tiny.txt")
    kv, fmt = load_keyed_vectors(glove)
    assert fmt == GLOVE_TEXT
    kv.save_word2vec_format(str(tmp_path / "tiny.w2v.txt"), binary=False)
    kv.save_word2vec_format(str(tmp_path / "tiny.bin"), binary=True)
    save_fast(kv, tmp_path / "tiny.kv")
    pair = tmp_path / "pair"
    pair.mkdir()
    np.save(pair / "tiny_emb.npy", kv.vectors)
    import pandas as pd

    pd.DataFrame({"index": kv.index_to_key}).to_parquet(pair / "tiny_index.parquet")

    expected = {
        tmp_path / "tiny.w2v.txt": WORD2VEC_TEXT,
        tmp_path / "tiny.bin": WORD2VEC_BINARY,
        tmp_path / "tiny.kv": GENSIM_KV,
        pair: NPY_PARQUET,
    }
    for path, name in expected.items():
        assert detect_format(path) == name, path
        other, fmt = load_keyed_vectors(path)
        assert fmt == name
        assert other.index_to_key == list(TINY)
        np.testing.assert_allclose(other.vectors, kv.vectors, atol=1e-6)


def test_glove_to_word2vec_round_trip_gives_the_same_vectors(tmp_path: Path) -> None:
    glove = write_glove(tmp_path / "g.txt")
    out = convert_glove_to_word2vec(glove, tmp_path / "out" / "g.w2v.txt")
    assert out.read_text(encoding="utf-8").splitlines()[0] == f"{len(TINY)} 4"
    converted = load_vectors(out)
    assert converted.format == WORD2VEC_TEXT
    for word, values in TINY.items():
        np.testing.assert_allclose(converted.kv[word], values, atol=1e-6)


def test_fast_kv_loads_memory_mapped(tmp_path: Path) -> None:
    kv, _ = load_keyed_vectors(write_glove(tmp_path / "g.txt"))
    save_fast(kv, tmp_path / "g.kv")
    fast = load_vectors(tmp_path / "g.kv")
    assert isinstance(fast.kv.vectors, np.memmap)
    assert fast.most_similar("apple", topn=1).neighbours[0].word == "pear"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("king 1 2 3\nqueen 1 2\n", "line 2"),
        ("king 1 2\nqueen 1 2\nking 3 4\n", "'king' is given twice"),
        ("hello world\nsecond line\n", "not a vectors file"),
        ("2 2\nking 1 2\n", "declares 2 words"),
        ("king 1 2\nqueen 1 x\n", "not a number"),
    ],
)
def test_bad_vectors_files_get_one_clear_sentence(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NlpError, match=message):
        load_vectors(path)


def test_errors_name_the_detected_format(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("king 1 2 3\nqueen 1 2\n", encoding="utf-8")
    with pytest.raises(NlpError, match="GloVe text"):
        load_vectors(path)
    broken = tmp_path / "broken.kv"
    broken.write_bytes(b"\x80\x04garbage")
    with pytest.raises(NlpError, match=r"gensim \.kv file .* could not be read"):
        load_vectors(broken)


def test_mismatched_pair_and_missing_path(tmp_path: Path) -> None:
    import pandas as pd

    np.save(tmp_path / "e_emb.npy", np.zeros((3, 2), dtype=np.float32))
    pd.DataFrame({"index": ["a", "b"]}).to_parquet(tmp_path / "e_index.parquet")
    with pytest.raises(NlpError, match="3 vectors but 2 words"):
        load_vectors(tmp_path)
    with pytest.raises(NlpError, match="does not exist"):
        load_vectors(tmp_path / "nope.txt")


def test_similarity_and_neighbours(tiny: WordVectors) -> None:
    assert tiny.similarity("good", "great").cosine > 0.9
    assert tiny.similarity("good", "bad").cosine < -0.9
    result = tiny.most_similar("Apple", topn=3)
    assert result.looked_up == "apple"
    assert result.neighbours[0].word == "pear"
    assert "apple" not in [n.word for n in result.neighbours]
    assert [n.score for n in result.neighbours] == sorted(
        (n.score for n in result.neighbours), reverse=True
    )
    assert result.to_dict()["neighbours"][0]["word"] == "pear"


def test_analogy_answers_queen_by_both_methods_without_its_inputs(tiny: WordVectors) -> None:
    result = tiny.analogy("king", "man", "woman", topn=3)
    assert result.answer == "queen"
    assert result.cos_mul[0].word == "queen"
    answers = {n.word for n in result.cos_add} | {n.word for n in result.cos_mul}
    assert not answers & {"king", "man", "woman"}
    assert result.to_dict()["3CosMul"][0]["word"] == "queen"


def test_unknown_word_suggests_close_known_words(tiny: WordVectors) -> None:
    with pytest.raises(
        NlpError, match="'quen' is not in the tiny vectors; closest known words: queen"
    ):
        tiny.most_similar("quen")
    with pytest.raises(NlpError, match="the third word: 'wman'"):
        tiny.analogy("king", "man", "wman")
    with pytest.raises(NlpError, match="empty word"):
        tiny.similarity("", "king")
    with pytest.raises(NlpError, match=r"a word is text \(a str\), not int"):
        tiny.most_similar(5)  # a Python caller's slip, not an AttributeError from inside


def test_normalisation_is_reported_in_results() -> None:
    matrix = np.asarray(list(TINY.values()), dtype=np.float32)
    kv = keyed_vectors_from_matrix(list(TINY), matrix)
    lemmas = WordVectors(kv, "lemmas", normalize=lambda w: w.lower().removesuffix("s"))
    result = lemmas.most_similar("Kings", topn=1)
    assert result.word == "Kings" and result.looked_up == "king"
    with pytest.raises(NlpError, match=r"'Queenz' \(looked up as 'queenz'\)"):
        lemmas.lookup("Queenz")


def test_top_words_leaves_out_bigrams_and_checks_the_count(tiny: WordVectors) -> None:
    assert "not_good" not in tiny.top_words(len(TINY) - 1)
    assert "not_good" in tiny  # still queryable
    assert not is_plain_word("not good") and is_plain_word("good")
    with pytest.raises(NlpError, match="only have 11 plain words"):
        tiny.top_words(50)


def test_sentiment_groups_cluster(tiny: WordVectors) -> None:
    positive, negative = ["good", "great"], ["bad", "awful"]
    within = tiny.mean_cosine(positive)
    between = tiny.mean_cosine(positive, negative)
    assert within > 0.9 > 0 > between
    assert np.isnan(tiny.mean_cosine(["good", "unknownword"]))


def test_bigram_tokens_are_queryable_but_never_answers() -> None:
    matrix = np.asarray(list(TINY.values()), dtype=np.float32)
    kv = keyed_vectors_from_matrix(list(TINY), matrix)
    plain = WordVectors(kv, "plain")
    assert plain.most_similar("bad", topn=1).neighbours[0].word == "not_good"
    model = WordVectors(kv, "model", bigram_tokens=True)
    assert model.most_similar("bad", topn=1).neighbours[0].word == "awful"
    assert model.most_similar("not_good", topn=1).looked_up == "not_good"
    result = model.analogy("good", "great", "awful", topn=3)
    assert "not_good" not in {n.word for n in result.cos_add + result.cos_mul}


def test_a_fast_copy_reopens_with_numpy_alone_and_answers_like_gensim(tmp_path: Path) -> None:
    # Odd keys a text-mode reader would break: "\r" inside a word, an empty word, non-ASCII.
    table = {
        **TINY,
        "e\rmail": [0.3, 0.2, 0.1, 0.0],
        "": [0.0, 0.0, 0.5, 0.5],
        "café": [1, 0, 1, 0],
    }
    matrix = np.asarray(list(table.values()), dtype=np.float32)
    kv = keyed_vectors_from_matrix(list(table), matrix)
    save_fast(kv, tmp_path / "t.kv")
    words, vectors = load_fast_arrays(tmp_path / "t.kv")
    assert words == list(table) and isinstance(vectors, np.memmap)
    fast = WordVectors.from_arrays(words, vectors, "fast")
    for word in ("apple", "good", "café", "e\rmail"):
        ours = [(n.word, n.score) for n in fast.most_similar(word, topn=5).neighbours]
        theirs = kv.most_similar(word, topn=5)
        # Same scores in the same order; tied words (man/woman) may swap places.
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
        for neighbour, score in ours:
            assert score == pytest.approx(kv.similarity(word, neighbour), abs=1e-6)
    assert fast.similarity("good", "bad").cosine == pytest.approx(kv.similarity("good", "bad"))
    assert fast.analogy("king", "man", "woman").answer == "queen"
    assert fast.kv.index_to_key == list(table)  # gensim's view is still there when asked for


def test_more_lookups_than_the_scan_budget_give_the_same_answers(tiny: WordVectors) -> None:
    fast = WordVectors.from_arrays(tiny.words, tiny.matrix, "tiny")
    words = [*TINY, "unknownword", "Queen", "KING"] * 2  # past the scans: the index takes over
    for word in words:
        assert (word in fast) == (word in tiny)
        if word in tiny:
            assert fast.most_similar(word, topn=3) == tiny.most_similar(word, topn=3)
    assert fast.key_to_index == tiny.key_to_index
    glove = fast.renamed("glove")  # the lab shows a user's vectors file as its GloVe set
    assert glove.most_similar("apple", topn=1).vectors == "glove" and fast.name == "tiny"


def test_a_word_list_that_cannot_be_written_or_does_not_match_falls_back(tmp_path: Path) -> None:
    matrix = np.eye(2, dtype=np.float32)
    kv = keyed_vectors_from_matrix(["two\nlines", "fine"], matrix)
    save_fast(kv, tmp_path / "nl.kv")
    assert load_fast_arrays(tmp_path / "nl.kv") is None  # reopened through gensim instead
    assert not write_word_list(kv.index_to_key, tmp_path / "nl.kv")
    kv = keyed_vectors_from_matrix(["a", "b"], matrix)
    save_fast(kv, tmp_path / "ab.kv")
    assert write_word_list(["a", "b", "c"], tmp_path / "ab.kv")  # 3 words for 2 rows
    assert load_fast_arrays(tmp_path / "ab.kv") is None
    assert load_fast_arrays(tmp_path / "never-saved.kv") is None
