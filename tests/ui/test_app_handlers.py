"""The web app's handlers with a tiny pipeline: what a visitor sees for good and bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from app_fakes import REVIEWS, fake_pipeline, tiny_lab, upload, write_scan
from PIL import Image

from inksight.pipelines.batch.outputs import read_records
from inksight.ui.web import handlers


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir):
    return fake_pipeline(tiny_model_dir)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return tiny_lab(tmp_path_factory.mktemp("lab"))


# --- reading a review ---------------------------------------------------------------------------


def test_an_upload_shows_boxes_text_label_and_highlighted_words(pipeline, tmp_path):
    scan = write_scan(tmp_path / "scan.png", 0)

    record = handlers.analyze_upload(pipeline, upload(scan, "my review.png"))
    view = handlers.review_view(pipeline, record, upload(scan))

    assert record["error"] is None and record["path"] == "my review.png"
    assert view.text == REVIEWS[0]
    assert max(view.label, key=view.label.get) == "positive"
    assert sum(view.label.values()) == pytest.approx(1.0)
    page, boxes = view.boxes
    assert page.size == (60, 30) and len(boxes) == 1
    ((box, name),) = boxes
    assert box[0] < box[2] <= 60 and box[1] < box[3] <= 30
    assert "93%" in name and view.colours[name] == "#2e7d32"  # confident: green
    assert "".join(piece for piece, _ in view.highlights) == REVIEWS[0]
    scores = dict(view.highlights)
    assert scores["wonderful"] > 0 and scores["superb"] > 0
    assert scores[" "] is None  # spaces are not words
    assert "fake" in view.details and "total" in view.details
    assert "Positive" in view.status


def test_editing_the_transcription_rescores_it(pipeline):
    edited = handlers.analyze_typed(pipeline, "An awful and boring film, dreadful.")
    view = handlers.review_view(pipeline, edited)

    assert edited["sentiment"]["label"] == "negative"
    assert max(view.label, key=view.label.get) == "negative"
    assert dict(view.highlights)["awful"] < 0


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "notes.jpg", "not an image or PDF"),
        (lambda d: d / "empty.png", "empty (0 bytes)"),
        (lambda d: d / "no-pages.pdf", "PDF"),
        (lambda d: d / "huge.png", f"the limit is {handlers.MAX_UPLOAD_MB} MB"),
    ],
    ids=["not-an-image", "empty-file", "pdf-without-pages", "over-the-size-limit"],
)
def test_a_bad_upload_answers_with_a_sentence(pipeline, tmp_path, make, expected):
    (tmp_path / "notes.jpg").write_text("this is a text file, not a photo")
    (tmp_path / "empty.png").write_bytes(b"")
    _empty_pdf(tmp_path / "no-pages.pdf")
    with open(tmp_path / "huge.png", "wb") as handle:  # sparse: 21 MB on paper, nothing on disk
        handle.truncate((handlers.MAX_UPLOAD_MB + 1) * 1024 * 1024)
    path = make(tmp_path)

    record = handlers.analyze_upload(pipeline, upload(path))
    view = handlers.review_view(pipeline, record, upload(path))

    assert expected in record["error"] and path.name in record["error"]
    assert record["sentiment"] is None
    assert view.status.startswith("⚠️") and expected in view.status
    assert view.messages == [record["error"]]  # one toast
    assert "Traceback" not in view.status


def test_only_files_the_app_received_are_read(pipeline, tmp_path):
    server_file = write_scan(tmp_path / "server" / "private.png", 0)
    uploads = tmp_path / "uploads"
    received = write_scan(uploads / "abc" / "sent.png", 0)

    refused = handlers.analyze_upload(pipeline, upload(server_file), uploads=uploads)
    batch = handlers.run_batch(pipeline, [upload(server_file)], uploads=uploads)
    accepted = handlers.analyze_upload(pipeline, upload(received), uploads=uploads)

    assert "was not uploaded to this app" in refused["error"] and refused["text"] == ""
    assert "was not uploaded" in batch.message and batch.records[0]["text"] == ""
    assert accepted["text"] == REVIEWS[0]


def test_an_image_without_writing_says_no_text_was_found(pipeline, tmp_path):
    blank = write_scan(tmp_path / "blank.png", 5)

    view = handlers.review_view(pipeline, handlers.analyze_upload(pipeline, upload(blank)), blank)

    assert view.label is None and view.highlights == []
    assert "no text was found" in view.status


def test_no_image_and_an_empty_text_box_ask_for_input(pipeline):
    cleared = handlers.review_view(pipeline, handlers.analyze_upload(pipeline, None))
    empty = handlers.analyze_typed(pipeline, "   ")

    assert handlers.NO_IMAGE in cleared.status and cleared.messages == []  # clearing: no toast
    assert "empty" in empty["error"]


def test_clicking_a_word_shows_its_neighbours_in_both_sets(lab):
    rows, note = handlers.click_neighbours(lab, ["great", 0.8])

    assert "great" in note
    assert rows[0][0] == 1
    classifier_words = [row[1] for row in rows]
    glove_words = [row[3] for row in rows]
    assert classifier_words[:2] == ["excellent", "good"] or "excellent" in classifier_words[:2]
    assert "excellent" in glove_words[:3]
    assert handlers.click_neighbours(lab, [", ", None])[0] == []


# --- word neighbours, similarity, analogy, map --------------------------------------------------


def test_neighbours_side_by_side_and_unknown_word_suggestions(lab):
    found = handlers.neighbours(lab, "king", 3)
    tables, note = handlers.neighbour_tables(found, ["model", "word2vec", "glove"])
    unknown = handlers.neighbours(lab, "kingg", 3)
    _, unknown_note = handlers.neighbour_tables(unknown, ["model", "word2vec", "glove"])

    assert tables[0][0][0] == "prince" and tables[2][0][0] == "prince"
    assert tables[1] == []  # this lab has no word2vec set
    assert all(0 < score <= 1 for _, score in tables[0])
    assert "not in the" in unknown_note and "closest known words: king" in unknown_note
    assert "type a word" in handlers.neighbours(lab, " ", 3)["error"]


def test_similarity_and_analogy(lab):
    similar = handlers.similarity_markdown(handlers.similarity(lab, "good", "great"))
    opposite = handlers.similarity(lab, "good", "bad")
    solved = handlers.analogy(lab, "king", "man", "woman")
    unknown = handlers.analogy_markdown(handlers.analogy(lab, "king", "mann", "woman"))

    assert "| classifier |" in similar and "| GloVe |" in similar
    assert all(answer["cosine"] < 0 for answer in opposite["sets"])
    assert [answer["answer"] for answer in solved["sets"]] == ["queen", "queen"]
    assert "**queen**" in handlers.analogy_markdown(solved)
    assert "second word" in unknown and "man" in unknown


def test_the_map_marks_the_seed_groups_and_the_word_found(lab):
    figure, note = handlers.embedding_map(lab, "glove", 10, "queen")
    missing, why = handlers.embedding_map(lab, "glove", 10, "quean")

    names = [trace.name for trace in figure.data]
    assert names[:3] == ["words", "seed positive", "seed negative"]
    assert "found: queen" in names and "queen" in note
    assert missing is None and "closest known words: queen" in why


def test_a_lab_without_a_model_folder_says_how_to_get_one_and_trains_nothing(lab, monkeypatch):
    import inksight.pipelines.train.default_model as default_model
    from inksight.pipelines.embeddings.explorer import EmbeddingLab

    def train(*args, **kwargs):
        raise AssertionError("the lab trained a model inside a request")

    monkeypatch.setattr(default_model, "ensure_default_model", train)
    monkeypatch.setattr(default_model, "load_model", train)
    bare = EmbeddingLab({"model": "model", "glove": lab.sources["glove"]}, model_dir=None)

    found = handlers.neighbours(bare, "king", 3)
    tables, note = handlers.neighbour_tables(found, ["model", "glove"])
    figure, why = handlers.embedding_map(bare, "model", 10)

    assert "inksight train" in note and tables[0] == []
    assert tables[1][0][0] == "prince"  # the other sets still answer
    assert figure is None and "inksight train" in why


# --- batch --------------------------------------------------------------------------------------


def test_a_batch_of_files_and_a_zip_gives_one_record_each_and_downloads(pipeline, tmp_path):
    first = write_scan(tmp_path / "in" / "first.png", 0)
    second = write_scan(tmp_path / "in" / "second.png", 1)
    archive = tmp_path / "in" / "more.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(first, "reviews/a.png")
        zf.writestr("reviews/readme.txt", "not a review")
        zf.writestr("../escape.png", second.read_bytes())
        zf.writestr("/etc/absolute.png", second.read_bytes())
        zf.writestr(".hidden.png", second.read_bytes())
    script = tmp_path / "in" / "x.py"
    script.write_text("print('hi')")
    progress = []

    outcome = handlers.run_batch(
        pipeline,
        [upload(first), upload(second), upload(archive), upload(script)],
        work_dir=tmp_path / "work",
        progress=lambda done, total, name: progress.append((done, total)),
    )

    by_name = {r["path"]: r for r in outcome.records}
    assert by_name["first.png"]["sentiment"]["label"] == "positive"
    assert by_name["second.png"]["sentiment"]["label"] == "negative"
    assert by_name["more.zip/reviews/a.png"]["text"] == REVIEWS[0]
    assert "not an image" in by_name["more.zip/reviews/readme.txt"]["error"]
    assert "climbs out" in by_name["more.zip/../escape.png"]["error"]
    assert "absolute path" in by_name["more.zip//etc/absolute.png"]["error"]
    assert "x.py" in by_name and "not an image" in by_name["x.py"]["error"]
    assert (
        not (tmp_path / "escape.png").exists() and not (tmp_path / "work" / "escape.png").exists()
    )
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    assert [row[0] for row in outcome.rows] == [r["path"] for r in outcome.records]
    assert outcome.rows[0][2] == "positive" and 0.5 <= outcome.rows[0][3] <= 1
    csv_path, jsonl_path = map(Path, outcome.downloads)
    assert read_records(jsonl_path) == outcome.records
    assert [r["path"] for r in read_records(csv_path)] == [r["path"] for r in outcome.records]
    assert "3 read" in outcome.message and "4 failed or skipped" in outcome.message


def test_a_batch_without_files_says_so(pipeline):
    outcome = handlers.run_batch(pipeline, [])

    assert outcome.records == [] and "no files" in outcome.message


# --- the lab ------------------------------------------------------------------------------------


def test_the_lab_tab_shows_the_report_or_the_command_that_makes_it(tmp_path):
    missing_text, missing_pictures, made = handlers.lab_view(tmp_path / "nothing")
    (tmp_path / "lab" / "figures").mkdir(parents=True)
    Image.new("RGB", (20, 10), "white").save(tmp_path / "lab" / "figures" / "pca_glove.png")
    (tmp_path / "lab" / "report.md").write_text(
        "# Lab\n\n![PCA](figures/pca_glove.png)\n\n| set | accuracy |\n|---|---|\n| glove | 0.47 |\n"
    )

    text, pictures, remade = handlers.lab_view(tmp_path / "lab")

    assert (
        "inksight lab run" in missing_text
        and "inksight lab report" in missing_text
        and missing_pictures == []
        and not made
    )
    assert remade and "remake it with `inksight lab run`" in text
    assert "| glove | 0.47 |" in text and "figures/pca_glove.png" not in text
    assert [caption for _, caption in pictures] == ["pca glove"]


def _empty_pdf(path: Path) -> Path:
    from inksight.ocr.synth import blank_pdf

    path.write_bytes(blank_pdf(0))
    return path


def test_records_are_json_safe(pipeline, tmp_path):
    record = handlers.analyze_upload(pipeline, write_scan(tmp_path / "s.png", 1))

    assert json.loads(json.dumps(record)) == record


def test_the_lab_tab_shows_the_quick_labs_report_when_the_whole_lab_has_none(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    (tmp_path / "lab-quick").mkdir()
    (tmp_path / "lab-quick" / "report.md").write_text("# Lab\n\nquick reading\n")

    text, _, made = handlers.lab_view()

    assert made and "quick reading" in text
    assert "the quick lab; the whole lab: `inksight lab run`" in text
