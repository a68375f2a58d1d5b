"""The web app under hostile input: every request bounded, nothing lost, nothing left behind.

Each limit is exercised by setting it low on tiny files the tests make: pages per document,
characters read, files and bytes unpacked per request; damaged zip members; text a visitor typed
placed in Markdown; a batch's scratch folder.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from app_fakes import REVIEWS, fake_pipeline, tiny_lab, upload, write_scan
from PIL import Image

from inksight.ui.web import handlers
from inksight.ui.web.limits import MAX_TEXT_CHARS


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir):
    return fake_pipeline(tiny_model_dir)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return tiny_lab(tmp_path_factory.mktemp("lab"))


def write_pdf(path: Path, reviews: list[int]) -> Path:
    """A PDF whose page ``i`` the fake engine reads as ``REVIEWS[reviews[i]]``."""
    pages = [Image.new("RGB", (60, 30), (min(r * 40, 255), 200, 200)) for r in reviews]
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return path


# --- pages per document -------------------------------------------------------------------------


def test_a_long_pdf_reads_the_first_pages_and_the_page_says_so(pipeline, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline.config, "max_pages", 2)
    pdf = write_pdf(tmp_path / "long.pdf", [0, 1, 0, 1, 0])

    record = handlers.analyze_upload(pipeline, upload(pdf))
    view = handlers.review_view(pipeline, record, upload(pdf))

    assert record["error"] is None
    assert record["text"] == f"{REVIEWS[0]}\n{REVIEWS[1]}"  # pages 1 and 2 only
    assert {line["page"] for line in record["lines"]} == {0, 1}
    warning = "only the first 2 of 5 pages of long.pdf were read: the limit is 2 pages"
    assert warning in record["warnings"][0] and "--max-pages" in record["warnings"][0]
    assert warning in view.status and "page 1 of 5 shown" in view.details


def test_reading_a_document_stops_at_the_time_limit_and_says_so(pipeline, tmp_path, monkeypatch):
    monkeypatch.setattr(handlers, "MAX_READ_SECONDS", 0.0)  # no time after the first page
    pdf = write_pdf(tmp_path / "slow.pdf", [0, 1, 1])

    record = handlers.analyze_upload(pipeline, upload(pdf))

    assert record["error"] is None and record["text"] == REVIEWS[0]
    assert "only the first 1 of 3 pages of slow.pdf were read" in record["warnings"][0]
    assert "0 s of reading per document" in record["warnings"][0]


def test_the_app_reads_twenty_pages_unless_its_pipeline_says_otherwise(tiny_model_dir, lab):
    from inksight.ui.web.app import build_demo

    default, chosen = fake_pipeline(tiny_model_dir), fake_pipeline(tiny_model_dir)
    chosen.config.max_pages = 300
    for pipeline in (default, chosen):
        build_demo(pipeline, lab=lab).close()

    assert default.config.max_pages == 20 and chosen.config.max_pages == 300


@pytest.fixture
def fake_from_config(monkeypatch, tiny_model_dir):
    """``Pipeline.from_config`` builds the fake engine with the config the CLI parsed."""
    from fakes import FakeEngine

    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.analyze import Pipeline

    def from_config(cls, config=None):
        engine = FakeEngine(reviews=REVIEWS, step=40)
        return Pipeline(engine, load_classifier(tiny_model_dir), config)

    monkeypatch.setattr(Pipeline, "from_config", classmethod(from_config))


def test_analyze_and_batch_read_up_to_max_pages(fake_from_config, tiny_model_dir, tmp_path, capsys):
    import json

    from inksight.pipelines.batch.outputs import read_records
    from inksight.ui.cli import main

    pdf = write_pdf((tmp_path / "in").mkdir() or tmp_path / "in" / "long.pdf", [0, 1, 0])
    analyzed = main(["analyze", str(pdf), "--max-pages", "1", "--json"])
    record = json.loads(capsys.readouterr().out)
    batched = main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out.jsonl"),
                    "--max-pages", "2", "--model", str(tiny_model_dir), "--no-progress"])  # fmt: skip
    (row,) = read_records(tmp_path / "out.jsonl")

    assert analyzed == 0 and record["text"] == REVIEWS[0]
    assert "only the first 1 of 3 pages of long.pdf were read" in record["warnings"][0]
    assert batched == 0 and row["text"] == f"{REVIEWS[0]}\n{REVIEWS[1]}"
    assert "first 2 of 3 pages" in row["warnings"][0]


def test_max_pages_is_an_option_of_analyze_batch_and_demo(tmp_path, capsys):
    from inksight.ui.cli import main

    for command in ("analyze", "batch", "demo"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--max-pages MAX_PAGES" in capsys.readouterr().out, command
    code = main(["analyze", "--max-pages", "0", str(tmp_path / "x.pdf")])

    assert code == 2 and "--max-pages must be at least 1." in capsys.readouterr().err


# --- characters read and shown -------------------------------------------------------------------


def test_a_huge_typed_review_is_read_and_shown_up_to_the_limit(pipeline):
    text = "A wonderful film. " * 200_000  # 3.6 MB

    record = handlers.analyze_typed(pipeline, text)
    view = handlers.review_view(pipeline, record)

    assert record["error"] is None and record["sentiment"]["label"] == "positive"
    assert record["text"] == text[:MAX_TEXT_CHARS]
    assert f"only the first {MAX_TEXT_CHARS:,} of {len(text):,} characters" in record["warnings"][0]
    shown = "".join(piece for piece, _ in view.highlights)
    assert len(shown) <= MAX_TEXT_CHARS + 100 and shown.startswith("A wonderful film.")
    assert "characters were read and are shown" in view.status


def test_highlights_split_only_what_the_model_reads(pipeline):
    from inksight.nlp.explain import word_contributions

    text = "great film " * 5_000  # 55,000 characters

    pieces = word_contributions(pipeline.classifier, text, max_chars=1_000)

    assert "".join(p for p, _ in pieces[:-1]) == text[:1_000]
    assert pieces[-1] == (" … (54,000 more characters, not read)", None)


def test_a_review_that_is_not_text_gets_a_sentence(pipeline):
    record = handlers.analyze_typed(pipeline, {"text": "great"})

    assert record["error"] == "the review must be text (a string), not dict; send it as text."


# --- escaped output -----------------------------------------------------------------------------


HOSTILE = '<img src=x onerror="alert(1)">**bold**'


def test_words_a_visitor_typed_are_escaped_in_the_pages_markdown(lab, pipeline):
    _, clicked = handlers.click_neighbours(lab, [HOSTILE, 0.5])
    _, unknown = handlers.neighbour_tables(handlers.neighbours(lab, HOSTILE, 3), ["model", "glove"])
    similar = handlers.similarity_markdown(handlers.similarity(lab, HOSTILE, "good"))
    analogy = handlers.analogy_markdown(handlers.analogy(lab, HOSTILE, "man", "woman"))
    _, mapped = handlers.embedding_map(lab, "glove", 10, HOSTILE)
    status = handlers.status_markdown({"error": f"{HOSTILE}.png is not an image."})
    toasts = handlers.review_view(pipeline, {"error": f"{HOSTILE}.png is empty."}).messages

    for shown in (clicked, unknown, similar, analogy, mapped, status, *toasts):
        assert "<img" not in shown and "&lt;img" in shown, shown
    for shown in (clicked, similar, analogy, mapped, status):
        assert r"\*\*bold\*\*" in shown, shown


# --- batch: nothing lost, nothing left behind ----------------------------------------------------


def _damaged_zip(path: Path, scan: bytes) -> Path:
    """A zip with good members beside a bad CRC, an encrypted member and a forged size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("crc.png", scan + b"CRC!")
        archive.writestr("encrypted.png", scan)
        archive.writestr("forged.png", scan)
        archive.infolist()[-1].file_size = 10  # the central directory lies about the size
        archive.writestr("x.png", scan)
        archive.writestr("x.png/y.png", scan)  # a file and a folder of the same name
        archive.writestr("n" * 300 + ".png", scan)
    data = bytearray(buffer.getvalue())
    spot = data.index(b"CRC!")
    data[spot : spot + 4] = b"crc?"  # the stored bytes no longer match their checksum
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)  # its directory entry
    data[second + 8] |= 0x1  # "encrypted", and no password to give
    path.write_bytes(bytes(data))
    return path


def test_damaged_zip_members_are_one_error_row_each_and_the_rest_is_answered(pipeline, tmp_path):
    good = write_scan(tmp_path / "good.png", 0)
    archive = _damaged_zip(tmp_path / "mixed.zip", write_scan(tmp_path / "s.png", 1).read_bytes())

    outcome = handlers.run_batch(pipeline, [upload(good), upload(archive)], work_dir=tmp_path)

    by_name = {r["path"]: r for r in outcome.records}
    assert by_name["good.png"]["text"] == REVIEWS[0]
    assert "its checksum is wrong" in by_name["mixed.zip/crc.png"]["error"]
    assert "it is encrypted" in by_name["mixed.zip/encrypted.png"]["error"]
    assert "damaged or unreadable" in by_name["mixed.zip/forged.png"]["error"]
    for name in ("x.png", "x.png/y.png", "n" * 300 + ".png"):
        assert by_name[f"mixed.zip/{name}"]["text"] == REVIEWS[1], name
    assert len(outcome.records) == 7 and "4 read, 3 failed" in outcome.message


def test_the_unpacked_limit_holds_per_request_not_per_zip(pipeline, tmp_path):
    scan = write_scan(tmp_path / "s.png", 0).read_bytes()
    zips = []
    for number in range(3):
        with zipfile.ZipFile(tmp_path / f"z{number}.zip", "w") as archive:
            archive.writestr("a.png", scan)
            archive.writestr("b.png", scan)
        zips.append(upload(tmp_path / f"z{number}.zip"))

    outcome = handlers.run_batch(pipeline, zips, work_dir=tmp_path, max_bytes=len(scan) * 3)
    by_files = handlers.run_batch(pipeline, zips, work_dir=tmp_path, max_files=4)

    read = [r["path"] for r in outcome.records if r["error"] is None]
    refused = [r for r in outcome.records if r["error"]]
    assert read == ["z0.zip/a.png", "z0.zip/b.png", "z1.zip/a.png"]
    assert len(refused) == 3 and all("one request unpacks at most" in r["error"] for r in refused)
    assert sum(r["error"] is None for r in by_files.records) == 4


def test_a_batch_leaves_no_work_folder_even_when_it_fails(pipeline, tmp_path, monkeypatch):
    import inksight.pipelines.batch.local as local

    scan = write_scan(tmp_path / "in" / "s.png", 0)
    with zipfile.ZipFile(tmp_path / "in" / "z.zip", "w") as archive:
        archive.write(scan, "a.png")
    files = [upload(scan), upload(tmp_path / "in" / "z.zip")]
    work = tmp_path / "work"

    done = handlers.run_batch(pipeline, files, work_dir=work)
    monkeypatch.setattr(local, "analyze_file", lambda *a: 1 / 0)  # a bug mid-batch
    with pytest.raises(ZeroDivisionError):
        handlers.run_batch(pipeline, files, work_dir=work)

    assert len(done.records) == 2 and all(Path(p).is_file() for p in done.downloads)
    assert list(work.iterdir()) == []


def test_showing_a_long_pdf_renders_only_its_first_page(tmp_path, monkeypatch):
    import pypdfium2 as pdfium

    from inksight.pipelines.uploads import first_page

    rendered = []
    render = pdfium.PdfPage.render
    monkeypatch.setattr(
        pdfium.PdfPage, "render", lambda page, **kw: rendered.append(1) or render(page, **kw)
    )

    page, pages = first_page(write_pdf(tmp_path / "long.pdf", [0] * 40))

    assert pages == 40 and len(rendered) == 1 and page.size[0] > 0


def test_a_big_page_is_shown_smaller_with_its_boxes_where_the_lines_are(pipeline, tmp_path):
    page = Image.new("RGB", (1440, 720), (0, 200, 200))  # read at 200 dpi: 4000 x 2000 pixels
    page.save(tmp_path / "big.pdf", "PDF", resolution=72)
    pdf = upload(tmp_path / "big.pdf")

    record = handlers.analyze_upload(pipeline, pdf)
    view = handlers.review_view(pipeline, record, pdf)

    shown, ((box, _),) = view.boxes
    assert record["lines"][0]["box"][2] == [3998.0, 1998.0]  # the OCR read it at full size
    assert shown.size == (2000, 1000)  # shown at about the size of the page on screen
    assert box == (1, 1, 2000, 1000)  # the line's box, scaled with the page
