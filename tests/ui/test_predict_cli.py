import json

from inksight.ui.cli import main


def test_predict_json_keeps_input_order(tiny_model_dir, capsys):
    code = main(["predict", "--model", str(tiny_model_dir), "--json", "superb story", "dull plot"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [r["label"] for r in records] == ["positive", "negative"]
    assert set(records[0]) >= {"label", "probability", "top_words"}


def test_malformed_jsonl_line_is_named_and_others_still_answered(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "reviews.jsonl"
    path.write_text('{"text": "a brilliant film"}\n{"text": broken\n{"text": "an awful film"}\n')
    code = main(["predict", "--model", str(tiny_model_dir), "--input", str(path), "--json"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # one input failed
    assert records[0]["label"] == "positive" and records[2]["label"] == "negative"
    assert records[1]["line"] == 2 and "not valid JSON" in records[1]["error"]


def test_empty_review_line_and_long_review(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "reviews.jsonl"
    long = "superb " * 150_000
    path.write_text(json.dumps({"text": "  "}) + "\n" + json.dumps({"text": long}) + "\n")
    main(["predict", "--model", str(tiny_model_dir), "--input", str(path), "--json"])
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first["error"] == "the review is empty."
    assert any("only its beginning was read" in w for w in second["warnings"])


def test_non_utf8_input_is_one_sentence_without_traceback(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes("un film tr\xe8s bien".encode("latin-1"))
    code = main(["predict", "--model", str(tiny_model_dir), "--input", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "is not UTF-8 text" in err and "Traceback" not in err


def test_missing_model_folder_fails_clearly(tmp_path, capsys):
    code = main(["predict", "--model", str(tmp_path / "none"), "good"])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_data_without_text_column_fails_clearly(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("review,label\nfine,1\n")
    code = main(["train", "--data", str(path), "--out", str(tmp_path / "m"), "--no-progress"])
    assert code == 2
    assert "has no text column" in capsys.readouterr().err


def test_a_csv_is_read_by_its_text_column_not_line_by_line(tiny_model_dir, tmp_path, capsys):
    """The file `inksight train --data` takes: the header and the labels are not reviews, and a
    quoted review holding commas and a line break is one review."""
    path = tmp_path / "mine.csv"
    path.write_text('label,text\n1,"a superb story, superb"\n0,"a dull plot.\nso dull"\n1,\n')
    code = main(["predict", "--model", str(tiny_model_dir), "--input", str(path), "--json"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # the empty cell
    assert [r.get("label") for r in records] == ["positive", "negative", None]
    assert records[2] == {"line": 3, "error": "the review is empty."}


def test_a_table_without_a_text_column_is_one_sentence(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("review,label\nfine,1\n")
    code = main(["predict", "--model", str(tiny_model_dir), "--input", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "has no text column (found: review, label)" in err and "Traceback" not in err
