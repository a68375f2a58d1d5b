"""The web app in a real browser: Playwright driving Debian's chromium.

Uploads a handwritten review rendered by the project, waits for the transcription and the sentiment
label, clicks a word of the review for its neighbours, finds the neighbour tables already answered
and asks for another word's, and runs the (fake, instant) quick lab from its button. Screenshots
go to ``test-artifacts/``.

The README's picture comes from the first test run against what users get, the default model
(trained on first use) and the real embedding sets, instead of the tiny test ones:
``INKSIGHT_UPDATE_SCREENSHOT=1 pytest tests/ui/test_app_browser.py -k upload`` replaces
``docs/screenshot.png``.

Without ``/usr/bin/chromium`` the test skips on a workstation but fails in CI (``CI`` set), where a
missing browser means the set-up is broken.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from pathlib import Path

import pytest
from app_fakes import tiny_lab

from inksight.ui.web.lab_job import LabJob

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 90_000  # real OCR on a 2-core machine shared with other jobs


def _browser_or_skip():
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the playwright package is missing (pip install playwright)"
    if problem and os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {problem}")
    if problem:
        pytest.skip(f"{problem}; set CI=1 to make this a failure")
    return sync_playwright


@pytest.fixture(scope="module")
def app_url(tiny_model_dir, tmp_path_factory):
    from inksight.nlp.classifier import load_classifier
    from inksight.ocr.engines import build_engine
    from inksight.pipelines.analyze import Pipeline, PipelineConfig
    from inksight.pipelines.embeddings.explorer import EmbeddingLab
    from inksight.ui.web.app import build_demo, launch_demo

    _browser_or_skip()
    if os.environ.get("INKSIGHT_UPDATE_SCREENSHOT"):
        pipeline = Pipeline.from_config(PipelineConfig(ocr="rapidocr"))
        lab = EmbeddingLab()
    else:
        pipeline = Pipeline(build_engine("rapidocr"), load_classifier(tiny_model_dir))
        lab = tiny_lab(tmp_path_factory.mktemp("lab"))
    demo = build_demo(pipeline, lab=lab, lab_job=LabJob(_instant_lab))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield launch_demo(demo, port=port)
    demo.close()


def _instant_lab(on_step) -> None:
    """The quick lab's stand-in: one step, then a report where the real one would be."""
    from inksight.pipelines.assets import cache_dir

    on_step("step 2 of 2-7: data and preprocessing")
    time.sleep(1.0)  # long enough for the page to show the run
    folder = cache_dir() / "lab-quick"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text("# Lab\n\nThe instant lab's reading.\n")


@pytest.fixture(scope="module")
def page(app_url):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app_url)
        # Gradio draws its components after the load event; start once the page is drawn.
        page.locator("#transcription textarea").wait_for()
        yield page
        browser.close()


def _wait_for_transcription(page, words: str) -> None:
    """Wait until the transcription box holds ``words``.

    A locator assertion, not a DOM query: Gradio may re-render the box while it reads, and a
    query that finds no box for a moment would fail instead of waiting.
    """
    from playwright.sync_api import expect

    box = page.locator("#transcription textarea")
    expect(box).to_have_value(re.compile(re.escape(words)), timeout=TIMEOUT_MS)


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_upload_a_handwritten_review_and_read_text_and_sentiment(page):
    from inksight.pipelines.examples import render_examples

    example = next(e for e in render_examples() if e.label == "positive" and e.kind == "line")

    page.locator("#photo input[type=file]").set_input_files(str(example.path))
    transcription = page.locator("#transcription textarea")
    _wait_for_transcription(page, "wonderful")
    label = page.locator("#image-label")
    label.get_by_text("positive").first.wait_for()

    text = transcription.input_value().lower()
    assert "wonderful film" in text and "superb acting" in text
    assert "Positive" in page.locator("#image-status").inner_text()
    assert page.locator("#image-words").get_by_text("wonderful").count() >= 1
    page.locator("#image-words").get_by_text("film", exact=True).first.click()
    page.locator("#click-neighbours").first.get_by_text("movie").first.wait_for()
    shot = _shot(page, "app-read-a-review.png")
    if os.environ.get("INKSIGHT_UPDATE_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / "screenshot.png")


def test_clicking_an_example_reads_it(page):
    page.get_by_text("negative, line (clean)").first.click()

    _wait_for_transcription(page, "boring mess")
    page.locator("#image-label").get_by_text("negative").first.wait_for()

    assert "Negative" in page.locator("#image-status").inner_text()
    assert page.locator("#boxes img").count() >= 1


def test_a_review_sent_as_a_document_file_is_read_too(page):
    from inksight.pipelines.examples import render_examples

    example = next(e for e in render_examples() if e.label == "positive" and e.kind == "line")

    page.locator("#document input[type=file]").set_input_files(str(example.path))

    _wait_for_transcription(page, "wonderful")
    page.locator("#image-label").get_by_text("positive").first.wait_for()
    assert "Positive" in page.locator("#image-status").inner_text()


def test_ask_for_a_words_neighbours_and_see_the_tables(page):
    page.get_by_role("tab", name="Word neighbours").click()
    # Answered as the page loaded: the example word's neighbours, before any click.
    glove = page.locator("#neighbours-glove")
    glove.get_by_text("excellent").filter(visible=True).first.wait_for()
    word = page.locator("#word textarea, #word input").first
    word.fill("king")
    page.get_by_role("button", name="Find neighbours").click()

    classifier = page.locator("#neighbours-model")
    classifier.get_by_text("prince").first.wait_for()

    assert classifier.locator("table").count() >= 1
    assert page.locator("#neighbours-glove").get_by_text("prince").count() >= 1
    _shot(page, "app-word-neighbours.png")


def test_a_first_visit_runs_the_quick_lab_from_the_page_and_shows_its_report(page):
    from inksight.pipelines.assets import cache_dir

    page.get_by_role("tab", name="The lab").click()
    page.locator("#lab-report").get_by_text("has not been made yet").first.wait_for()
    try:
        page.get_by_role("button", name="Run the quick lab here").click()
        page.locator("#lab-status").get_by_text("The quick lab is running").first.wait_for()
        page.get_by_role("tab", name="Type a review").click()  # the page stays usable meanwhile
        page.get_by_role("tab", name="The lab").click()
        page.locator("#lab-report").get_by_text("The instant lab's reading").first.wait_for()
        assert page.get_by_role("button", name="Run the quick lab here").count() == 0
        _shot(page, "app-quick-lab.png")
    finally:
        shutil.rmtree(cache_dir() / "lab-quick", ignore_errors=True)
