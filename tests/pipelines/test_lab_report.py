"""The lab report: sections, Markdown + HTML output, and a reading that follows the numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from lab_fixtures import tiny_reviews, write_glove, write_model

import inksight.pipelines.embeddings.sets
import inksight.pipelines.train.data
from inksight.nlp.plots import ClusterMeasure
from inksight.nlp.vectors.analogy import AnalogyEvaluation, AnalogySection, WordPairsEvaluation
from inksight.pipelines.embeddings.measures import BenchmarkResult, SetBenchmark
from inksight.pipelines.lab.report import (
    STANDARD_WORDS,
    Section,
    lab_report_main,
    markdown_table,
    reading_section,
    write_report,
)


def test_write_report_gives_markdown_and_html(tmp_path: Path) -> None:
    sections = [
        Section("First", "Some **text**."),
        Section("Table", markdown_table([{"set": "glove", "score": "0.47"}])),
    ]
    md_path, html_path = write_report(sections, tmp_path / "out", title="T")
    text = md_path.read_text(encoding="utf-8")
    assert text.startswith("# T") and "## First" in text and "| glove | 0.47 |" in text
    page = html_path.read_text(encoding="utf-8")
    assert "<table>" in page and "<strong>text</strong>" in page and "<h2>Table</h2>" in page


def test_markdown_table_escapes_pipes() -> None:
    assert "a\\|b" in markdown_table([{"x": "a|b"}])
    assert markdown_table([]) == "_(nothing to show)_"


def _set(name: str, semantic: float, syntactic: float, wordsim: float) -> SetBenchmark:
    sections = [
        AnalogySection("capital-world", correct=int(semantic * 100), total=100),
        AnalogySection("gram8-plural", correct=int(syntactic * 100), total=100),
    ]
    analogy = AnalogyEvaluation("3CosAdd", 100_000, sections)
    return SetBenchmark(
        name,
        1000,
        50,
        analogy,
        WordPairsEvaluation("wordsim353.tsv", wordsim, wordsim, 353, 0.1),
        WordPairsEvaluation("simlex999.txt", wordsim / 2, wordsim / 2, 999, 0.1),
        0.1,
    )


def _measure(name: str, separation: float) -> ClusterMeasure:
    return ClusterMeasure(name, 0.5 + separation, 0.5 + separation, 0.5, ["good"], ["bad"])


def test_reading_agrees_when_the_numbers_do() -> None:
    result = BenchmarkResult([_set("model", 0.02, 0.01, 0.2), _set("glove", 0.6, 0.4, 0.5)], 1, 1)
    measures = [_measure("model", 0.3), _measure("glove", 0.2)]
    text = reading_section(measures, result).body
    assert "The measurements agree with the claim." in text
    assert "The measurements agree: GloVe is ahead" in text
    assert "within the published range" in text  # 0.5 overall


def test_reading_says_when_the_numbers_disagree() -> None:
    result = BenchmarkResult([_set("model", 0.7, 0.6, 0.8), _set("glove", 0.3, 0.1, 0.5)], 1, 1)
    text = reading_section([_measure("model", -0.1), _measure("glove", 0.2)], result).body
    assert "do not fully agree" in text and "neither cluster nor lean the right way" in text
    assert "do not show a wide semantic lead" in text
    assert "outside the published range" in text  # 0.2 overall


def test_seed_leans_count_as_basic_sentiment() -> None:
    result = BenchmarkResult([_set("model", 0.02, 0.01, 0.2), _set("glove", 0.6, 0.4, 0.5)], 1, 1)
    measures = [_measure("model", -0.1)]  # no clustering by cosine ...
    text = reading_section(measures, result, {"good": 1.5, "bad": -2.0}).body
    assert "2 of 2 seed words lean the right way" in text  # ... but the leans are right
    assert "The measurements agree with the claim." in text
    wrong = reading_section(measures, result, {"good": -1.0, "bad": -2.0}).body
    assert "1 of 2 seed words" in wrong and "do not fully agree" in wrong


def test_lab_report_on_tiny_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    glove = write_glove(tmp_path / "glove.txt")
    monkeypatch.setattr(
        inksight.pipelines.embeddings.sets, "glove_path", lambda name="glove-6b-50d", **_: glove
    )
    monkeypatch.setattr(
        inksight.pipelines.train.data, "tokenized_split", lambda *a, **k: tiny_reviews()
    )
    model = write_model(tmp_path / "model")

    result = lab_report_main(tmp_path / "report", model_dir=model, top=10)
    text = Path(result["markdown"]).read_text(encoding="utf-8")
    for title in (
        "PCA pictures",
        "Do the sentiment words cluster?",
        "Nearest neighbours",
        "Benchmark",
        "What the numbers say",
        "Vectors in word2vec format",
    ):
        assert f"## {title}" in text
    for name in ("model", "word2vec", "glove"):
        png = tmp_path / "report" / "figures" / f"pca_{name}.png"
        assert png.stat().st_size > 1000 and f"figures/pca_{name}.png" in text
        assert (tmp_path / "report" / "figures" / f"pca_{name}.html").stat().st_size > 1000
    assert "Seed claim" in text and "| glove |" in text
    assert "glove-6b-50d.w2v.txt" in text
    assert "[king]" not in text  # only changed forms are bracketed
    neighbours = text.split("## Nearest neighbours")[1].split("## Benchmark")[0]
    rows = [line.split("|")[1].strip() for line in neighbours.splitlines() if line.startswith("| ")]
    assert rows[1:] == list(STANDARD_WORDS)  # the standard word list, after the header row
    page = Path(result["html"]).read_text(encoding="utf-8")
    assert '<img alt="PCA of the glove embeddings" src="figures/pca_glove.png"' in page
