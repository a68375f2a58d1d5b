"""The web app over HTTP: every named endpoint with gradio_client, size limit, file access."""

from __future__ import annotations

import logging
import socket
import warnings
from pathlib import Path

import httpx
import pytest
from app_fakes import REVIEWS, fake_pipeline, tiny_lab, write_scan
from demo_fakes import fake_serving

from inksight.ui.web import handlers

ENDPOINTS = {
    "/analyze_image",
    "/analyze_text",
    "/neighbours",
    "/similarity",
    "/analogy",
    "/batch",
    "/embedding_map",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(monkeypatch) -> dict:
    """What ``inksight demo`` hands the app; nothing is really served."""
    return fake_serving(monkeypatch)


@pytest.fixture(scope="module")
def app(tiny_model_dir, tmp_path_factory):
    from inksight.ui.web.app import build_demo, launch_demo

    pipeline = fake_pipeline(tiny_model_dir)
    demo = build_demo(pipeline, lab=tiny_lab(tmp_path_factory.mktemp("lab")))
    url = launch_demo(demo, port=free_port())
    yield url, pipeline
    demo.close()


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False)


def test_every_action_is_a_named_endpoint_and_helpers_are_private(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])

    assert named == ENDPOINTS


def test_analyze_image_and_text_answer_the_record(client, tmp_path):
    from gradio_client import handle_file

    record = client.predict(
        handle_file(write_scan(tmp_path / "r.png", 0)), api_name="/analyze_image"
    )
    typed = client.predict("awful, dull and boring", api_name="/analyze_text")

    assert record["text"] == REVIEWS[0] and record["error"] is None
    assert record["sentiment"]["label"] == "positive" and record["engine"] == "fake"
    assert record["lines"][0]["confidence"] == pytest.approx(0.93)
    assert typed["sentiment"]["label"] == "negative"


def test_bad_input_gets_a_message_and_the_app_keeps_serving(app, client, tmp_path, monkeypatch):
    from gradio_client import handle_file

    fake = tmp_path / "fake.jpg"
    fake.write_text("not a photo")
    not_image = client.predict(handle_file(fake), api_name="/analyze_image")
    empty = client.predict("", api_name="/analyze_text")
    unknown = client.predict("zzzyx", 5, api_name="/neighbours")
    _, pipeline = app
    monkeypatch.setattr(pipeline, "analyze", lambda *a, **k: 1 / 0)  # a bug, not a user mistake
    crashed = client.predict(
        handle_file(write_scan(tmp_path / "r.png", 0)), api_name="/analyze_image"
    )
    monkeypatch.undo()
    after = client.predict(
        handle_file(write_scan(tmp_path / "r.png", 1)), api_name="/analyze_image"
    )

    assert "not an image or PDF" in not_image["error"]
    assert "empty" in empty["error"]
    assert all("not in the" in answer["error"] for answer in unknown["sets"])
    assert (
        "went wrong inside Inksight" in crashed["error"] and "ZeroDivision" not in crashed["error"]
    )
    assert after["sentiment"]["label"] == "negative"


def test_a_raw_payload_cannot_make_the_app_read_a_server_file(app, tmp_path):
    url = app[0].rstrip("/")
    secret = write_scan(tmp_path / "private.png", 0)  # an image the server has but never received

    answers = []
    for payload in (
        {"path": str(secret)},
        {"path": str(secret), "meta": {"_type": "gradio.FileData"}},
    ):
        call = httpx.post(f"{url}/gradio_api/call/analyze_image", json={"data": [payload]})
        event = call.json()["event_id"]
        answers.append(httpx.get(f"{url}/gradio_api/call/analyze_image/{event}", timeout=60).text)

    assert REVIEWS[0] not in answers[0] and "was not uploaded to this app" in answers[0]
    assert REVIEWS[0] not in answers[1] and "event: error" in answers[1]  # gradio's own check
    assert "because it was not uploaded by a user." in answers[1]  # a sentence, not "null"


def _raw_call(url: str, api: str, data: list) -> str:
    call = httpx.post(f"{url}/gradio_api/call/{api}", json={"data": data})
    event = call.json()["event_id"]
    return httpx.get(f"{url}/gradio_api/call/{api}/{event}", timeout=60).text


def test_a_wrong_input_type_is_refused_with_a_sentence_for_an_api_caller(app):
    url = app[0].rstrip("/")

    image = _raw_call(url, "analyze_image", [5])
    files = _raw_call(url, "batch", [7])
    text = _raw_call(url, "analyze_text", [{"review": "great"}])

    for answer in (image, files):
        assert "event: error" in answer and '"error": null' not in answer
    assert "Input should be a valid dictionary" in image and "should be a valid list" in files
    assert "event: complete" in text and "Traceback" not in text


def test_slow_image_requests_do_not_hold_up_typed_text(app, client, tmp_path, monkeypatch):
    import time

    from gradio_client import handle_file

    _, pipeline = app
    monkeypatch.setattr(pipeline.engine, "delay", 3.0)  # every image now takes 3 s to read
    scan = handle_file(write_scan(tmp_path / "r.png", 0))
    images = [client.submit(scan, api_name="/analyze_image") for _ in range(3)]
    time.sleep(0.5)  # the image requests are running or queued

    started = time.perf_counter()
    typed = client.predict("a wonderful film", api_name="/analyze_text")
    text_seconds = time.perf_counter() - started
    records = [job.result(timeout=60) for job in images]

    assert typed["sentiment"]["label"] == "positive" and text_seconds < 2.0
    assert [r["text"] for r in records] == [REVIEWS[0]] * 3


def test_word_endpoints(client):
    neighbours = client.predict("king", 3, api_name="/neighbours")
    similarity = client.predict("good", "great", api_name="/similarity")
    analogy = client.predict("king", "man", "woman", api_name="/analogy")
    figure, note = client.predict("glove", 10, "queen", api_name="/embedding_map")

    assert [a["neighbours"][0]["word"] for a in neighbours["sets"]] == ["prince", "prince"]
    assert all(a["cosine"] > 0.9 for a in similarity["sets"])
    assert [a["answer"] for a in analogy["sets"]] == ["queen", "queen"]
    assert figure is not None and "queen" in note


def test_batch_endpoint_returns_the_table_and_both_downloads(client, tmp_path):
    from gradio_client import handle_file

    files = [handle_file(write_scan(tmp_path / f"{i}.png", i)) for i in (0, 1)]
    table, downloads, message = client.predict(files, api_name="/batch")

    assert table["headers"] == handlers.BATCH_COLUMNS
    assert [row[2] for row in table["data"]] == ["positive", "negative"]
    assert sorted(Path(p).name for p in downloads) == ["results.csv", "results.jsonl"]
    assert "2 read" in message


def test_a_batch_leaves_no_work_folder_once_its_downloads_are_fetched(app, client, tmp_path):
    import tempfile
    import zipfile

    from gradio_client import handle_file

    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.write(write_scan(tmp_path / "a.png", 0), "a.png")
    scratch = set(Path(tempfile.gettempdir()).glob("inksight-batch-*"))

    table, downloads, _ = client.predict(
        [handle_file(tmp_path / "z.zip"), handle_file(tmp_path / "a.png")], api_name="/batch"
    )

    assert [row[1] for row in table["data"]] == [REVIEWS[0], REVIEWS[0]]
    assert all(Path(p).read_text() for p in downloads)  # fetched by the client
    assert set(Path(tempfile.gettempdir()).glob("inksight-batch-*")) <= scratch


def test_uploads_over_the_limit_and_files_outside_the_app_are_refused(app, tmp_path):
    url = app[0].rstrip("/")
    big = tmp_path / "big.png"
    with open(big, "wb") as handle:
        handle.truncate((handlers.MAX_UPLOAD_MB + 1) * 1024 * 1024)
    with open(big, "rb") as handle:
        upload = httpx.post(f"{url}/gradio_api/upload", files={"files": handle}, timeout=60)
    secrets = [
        httpx.get(f"{url}/gradio_api/file={path}", timeout=10)
        for path in ("/etc/passwd", str(Path(__file__).resolve()), str(big))
    ]

    assert upload.status_code == 413
    assert [r.status_code for r in secrets] == [403, 403, 403]


def test_demo_command_refuses_a_bad_port_in_one_sentence(capsys):
    from inksight.ui.cli import main

    code = main(["demo", "--port", "0"])

    assert code == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_demo_command_serves_the_pipeline_its_options_describe(served, tiny_model_dir):
    from inksight.ui.cli import main

    code = main(
        ["demo", "--ocr", "rapidocr", "--model", str(tiny_model_dir), "--low-confidence", "0.6"]
    )

    assert code == 0
    assert served["pipeline"].engine.name == "rapidocr"
    assert served["pipeline"].config.low_confidence == 0.6
    assert served["lab"].model_dir == tiny_model_dir


def test_demo_command_hands_the_lab_the_default_model_it_resolved(
    served, monkeypatch, tiny_model_dir
):
    import inksight.pipelines.train.default_model
    from inksight.ui.cli import main

    monkeypatch.setattr(
        inksight.pipelines.train.default_model, "ensure_default_model", lambda: tiny_model_dir
    )

    code = main(["demo", "--ocr", "rapidocr"])

    assert code == 0
    assert served["lab"].model_dir == tiny_model_dir  # explicit: the lab never looks one up


def test_serving_the_app_leaves_logging_and_warnings_as_they_were(tiny_model_dir, tmp_path):
    from gradio_client import Client, handle_file

    from inksight.ui.web.app import build_demo, launch_demo

    filters, disabled = list(warnings.filters), logging.root.manager.disable
    demo = build_demo(fake_pipeline(tiny_model_dir), lab=tiny_lab(tmp_path / "lab"))
    try:
        client = Client(launch_demo(demo, port=free_port()), verbose=False)
        record = client.predict(
            handle_file(write_scan(tmp_path / "r.png", 0)), api_name="/analyze_image"
        )
    finally:
        demo.close()

    # The server answers concurrent requests: silencing all logging or changing the warning
    # filters there would hide other requests' problems for good.
    assert record["text"] == REVIEWS[0]
    assert logging.root.manager.disable == disabled
    assert warnings.filters == filters


def test_demo_command_names_a_missing_trocr_folder_in_one_sentence(tmp_path, capsys):
    from inksight.ui.cli import main

    code = main(["demo", "--ocr", "trocr", "--trocr-model", str(tmp_path / "my-trocr")])

    assert code == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.splitlines()[-1] == (
        f"inksight: error: TrOCR model folder {tmp_path / 'my-trocr'} does not exist."
    )
