"""The embedding lab's report: PCA pictures, cluster measures, neighbours, benchmark, a reading.

Built from small pieces so the later lab steps can add theirs: each ``*_section`` function returns a
``Section`` (a title and Markdown), and ``write_report`` turns any list of sections into
``report.md`` and ``report.html`` in one folder. ``build_embedding_sections`` runs the embedding
lab's measurements and returns its sections; ``lab_report_main`` writes them.
"""

from __future__ import annotations

import html
import math
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inksight.nlp.plots import NEGATIVE, POSITIVE, ClusterMeasure, PlotResult, cluster_measure
from inksight.pipelines.embeddings.measures import (
    BenchmarkResult,
    CompareRow,
    benchmark_set,
    compare,
    leans_for,
    plot_set,
)
from inksight.pipelines.embeddings.sets import SET_NAMES, converted_files, open_vectors
from inksight.pipelines.errors import PipelineError

__all__ = [
    "STANDARD_WORDS",
    "Section",
    "markdown_table",
    "pca_section",
    "cluster_section",
    "neighbours_section",
    "benchmark_section",
    "reading_section",
    "files_section",
    "build_embedding_sections",
    "write_report",
    "lab_report_main",
]

STANDARD_WORDS = ("good", "bad", "boring", "funny", "movie", "actor", "plot", "music", "king")
# Published GloVe 6B 50d accuracy on questions-words lies roughly in this band, depending on the
# vocabulary restriction and the tie rules of the scorer.
GLOVE_50D_PUBLISHED = (0.40, 0.55)


@dataclass
class Section:
    """One part of a report: a ``## title`` and its Markdown body."""

    title: str
    body: str

    def to_markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as a Markdown table."""
    if not rows:
        return "_(nothing to show)_"
    columns = list(columns or rows[0].keys())

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _seed_lean_agreement(
    measure: ClusterMeasure | None, leans: Mapping[str, float] | None
) -> tuple[int, int]:
    """(seed words whose lean has the group's sign, seed words with a lean)."""
    if measure is None or not leans:
        return 0, 0
    signed = [(w, 1.0) for w in measure.positive] + [(w, -1.0) for w in measure.negative]
    found = [(leans[w], sign) for w, sign in signed if w in leans]
    return sum(1 for lean, sign in found if lean * sign > 0), len(found)


def _apart(separation: float) -> str:
    if math.isnan(separation) or separation <= 0:
        return "do not sit apart"
    return "sit only slightly apart" if separation < 0.1 else "sit apart"


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def pca_section(plots: Sequence[tuple[PlotResult, PlotResult | None]], out_dir: Path) -> Section:
    """The PCA pictures (PNG inline, interactive HTML linked), each with its cluster caption."""
    parts = [
        "Each picture shows the most frequent words after PCA to two dimensions. Colour is the "
        "classifier's lean (blue: the word pushes towards positive, red: towards negative); the "
        f"triangles mark the seed groups ({', '.join(POSITIVE)} / {', '.join(NEGATIVE)})."
    ]
    for png, page in plots:
        name = png.measure.vectors
        link = f" · [interactive version]({page.path.relative_to(out_dir)})" if page else ""
        parts.append(
            f"### {name}\n\n![PCA of the {name} embeddings]({png.path.relative_to(out_dir)})\n\n"
            f"_{png.measure.caption()}; the two axes keep "
            f"{sum(png.explained):.0%} of the variance._{link}"
        )
    return Section("PCA pictures", "\n\n".join(parts))


def cluster_section(measures: Sequence[ClusterMeasure]) -> Section:
    """Mean cosine within each seed group against between the groups, per set."""
    rows = [
        {
            "set": m.vectors,
            "within positive": _num(m.within_positive),
            "within negative": _num(m.within_negative),
            "between": _num(m.between),
            "separation": _num(m.separation),
            "cluster?": "yes" if m.clusters else "no",
            "words found": f"{len(m.positive)} + {len(m.negative)}",
        }
        for m in measures
    ]
    body = (
        "Separation = mean of the two within-group cosines minus the between-group cosine; above "
        "zero, sentiment words sit closer to their own group than to the other.\n\n"
        + markdown_table(rows)
    )
    return Section("Do the sentiment words cluster?", body)


def neighbours_section(rows: Sequence[CompareRow], topn: int = 5) -> Section:
    """For each standard word, its nearest neighbours in each set side by side."""
    sets = list(dict.fromkeys(r.vectors for r in rows))
    table = []
    for word in dict.fromkeys(r.word for r in rows):
        line = {"word": word}
        for row in (r for r in rows if r.word == word):
            if row.error:
                line[row.vectors] = "(unknown)"
            else:
                shown = ", ".join(w for w, _ in row.neighbours[:topn])
                form = f"[{row.looked_up}] " if row.looked_up != word else ""
                line[row.vectors] = form + shown
        table.append(line)
    body = (
        f"The {topn} nearest words by cosine; a word in [brackets] is the form looked up "
        "(the model and word2vec sets store lemmas).\n\n" + markdown_table(table, ["word", *sets])
    )
    return Section("Nearest neighbours", body)


def benchmark_section(result: BenchmarkResult) -> Section:
    """The benchmark table with what each column means."""
    body = (
        markdown_table(result.rows())
        + "\n\n"
        + f"Analogies: gensim's `questions-words.txt` (a : b :: c : ?), 3CosAdd over the "
        f"{result.restrict_vocab:,} most frequent words of each set, questions with any other "
        "word skipped (their share is the OOV column), scored with gensim's "
        "`evaluate_word_analogies` rule. ρ: Spearman correlation with human similarity scores "
        "on WordSim353 and SimLex999 (unknown pairs skipped). "
        f"The whole table took {result.seconds:.1f} s."
    )
    return Section("Benchmark", body)


def reading_section(
    measures: Sequence[ClusterMeasure],
    result: BenchmarkResult,
    model_leans: Mapping[str, float] | None = None,
) -> Section:
    """A plain-words reading of the numbers against the seed lab's two claims.

    ``model_leans`` (the classifier's lean per model token) adds whether the seed words lean the
    right way, the most direct sign that the embeddings serve sentiment.
    """
    by_set = {s.vectors: s for s in result.sets}
    clusters = {m.vectors: m for m in measures}
    own, glove, w2v = by_set.get("model"), by_set.get("glove"), by_set.get("word2vec")
    readings = []
    if own is not None:
        readings.append(_own_embeddings_reading(own, glove, clusters.get("model"), model_leans))
    if glove is not None:
        others = [s for name, s in by_set.items() if name != "glove"]
        readings.append(_glove_reading(glove, others))
    if w2v is not None and own is not None:
        readings.append(_word2vec_reading(w2v, own))
    if not readings:
        readings.append("No set to read: run the benchmark with the model and GloVe sets.")
    return Section("What the numbers say", "\n\n".join(readings))


def _sentiment_evidence(
    measure: ClusterMeasure | None, model_leans: Mapping[str, float] | None
) -> tuple[list[str], bool]:
    """What the seed words show about sentiment, and whether they cluster or lean the right way."""
    evidence = []
    separates = measure is not None and measure.clusters
    if measure is not None:
        within = (measure.within_positive + measure.within_negative) / 2
        evidence.append(
            f"by cosine the seed groups {_apart(measure.separation)} "
            f"(mean within {_num(within, 2)} vs between {_num(measure.between, 2)})"
        )
    right, counted = _seed_lean_agreement(measure, model_leans)
    leans_right = counted > 0 and right >= 0.8 * counted
    if counted:
        evidence.append(f"{right} of {counted} seed words lean the right way in the classifier")
    return evidence, separates or leans_right


def _own_embeddings_reading(
    own: Any,
    glove: Any | None,
    measure: ClusterMeasure | None,
    model_leans: Mapping[str, float] | None,
) -> str:
    """The seed claim that the model's own embeddings 'work for basic sentiment, but weak overall'."""
    evidence, basic = _sentiment_evidence(measure, model_leans)
    weak = glove is None or (
        own.analogy.accuracy < glove.analogy.accuracy
        and (own.wordsim.spearman or 0) < (glove.wordsim.spearman or 0)
    )
    versus = (
        f" (GloVe: {glove.analogy.accuracy:.1%}, ρ {_num(glove.wordsim.spearman, 2)})"
        if glove
        else ""
    )
    verdict = (
        "The measurements agree with the claim."
        if basic and weak
        else "The measurements do not fully agree with the claim: "
        + ("the seed words neither cluster nor lean the right way. " if not basic else "")
        + ("the model's embeddings are not weaker than GloVe's. " if not weak else "")
    )
    return (
        "**Seed claim: our own embeddings “work for basic sentiment, but weak overall”.** "
        + (("For sentiment, " + "; ".join(evidence) + ". ") if evidence else "")
        + f"Beyond sentiment, they answer {own.analogy.accuracy:.1%} of the "
        f"{own.analogy.total:,} analogies they can attempt ({own.analogy.oov_rate:.0%} "
        f"skipped: a word is missing from the lemmatized IMDB vocabulary) with WordSim353 ρ "
        f"{_num(own.wordsim.spearman, 2)}{versus}. " + verdict
    )


def _glove_reading(glove: Any, others: Sequence[Any]) -> str:
    """The seed claim that GloVe has 'much better semantic reasoning' than every other set."""
    margins = [
        glove.analogy.accuracy_of("semantic") - s.analogy.accuracy_of("semantic") for s in others
    ]
    better = bool(others) and min(margins) >= 0.15
    low, high = GLOVE_50D_PUBLISHED
    in_range = low <= glove.analogy.accuracy <= high
    return (
        "**Seed claim: GloVe has “much better semantic reasoning”.** "
        f"GloVe answers {glove.analogy.accuracy_of('semantic'):.1%} of the semantic analogies "
        f"(capitals, currencies, family) and {glove.analogy.accuracy_of('syntactic'):.1%} of "
        "the syntactic ones"
        + "".join(f"; {s.vectors} {s.analogy.accuracy_of('semantic'):.1%} semantic" for s in others)
        + ". "
        + (
            "The measurements agree: GloVe is ahead by at least 15 points on semantic analogies."
            if better
            else "The measurements do not show a wide semantic lead for GloVe over every set."
        )
        + f" GloVe's overall {glove.analogy.accuracy:.1%} (100k most frequent words) is "
        + (
            "within the published range for GloVe 6B 50d "
            if in_range
            else "outside the published range for GloVe 6B 50d "
        )
        + f"({low:.0%}-{high:.0%})."
    )


def _word2vec_reading(w2v: Any, own: Any) -> str:
    """Word2vec on the same reviews against the classifier's own embeddings."""
    return (
        f"Word2vec trained on the same IMDB reviews reaches {w2v.analogy.accuracy:.1%} on "
        f"analogies and WordSim353 ρ {_num(w2v.wordsim.spearman, 2)}: the same text, a "
        "training objective about context rather than sentiment"
        + (
            ", and more general word meaning than the classifier's embeddings."
            if w2v.analogy.accuracy > own.analogy.accuracy
            else "."
        )
    )


# --------------------------------------------------------------------------------------------
# Running the lab and writing the report
# --------------------------------------------------------------------------------------------


def build_embedding_sections(
    out_dir: str | Path,
    sets: Sequence[str] = SET_NAMES,
    model_dir: str | Path | None = None,
    top: int = 300,
    words: Sequence[str] = STANDARD_WORDS,
    progress: bool = True,
) -> list[Section]:
    """Run the embedding lab (pictures, clusters, neighbours, benchmark) and return its sections.

    Pictures are written into ``out_dir/figures``.
    """
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    opened, plots, measures, scores = [], [], [], []
    model_leans = None
    for name in sets:
        started = time.perf_counter()
        wv = open_vectors(name, model_dir)
        opened.append(wv)
        stem = figures / f"pca_{wv.name}"
        plotted = wv.top_words(top) + wv.known_forms(POSITIVE + NEGATIVE)
        leans = leans_for(wv, plotted, model_dir)
        if wv.name == "model":
            model_leans = leans
        png = plot_set(wv, stem.with_suffix(".png"), top, leans=leans)
        page = plot_set(wv, stem.with_suffix(".html"), top, leans=leans)
        plots.append((png, page))
        measures.append(cluster_measure(wv))
        scores.append(benchmark_set(wv))
        if progress:
            seconds = time.perf_counter() - started
            print(f"  {wv.name}: pictures and benchmark in {seconds:.1f} s", file=sys.stderr)
    result = BenchmarkResult(
        scores, scores[0].analogy.restrict_vocab, sum(s.seconds for s in scores)
    )
    return [
        pca_section(plots, out_dir),
        cluster_section(measures),
        neighbours_section(compare(words, opened)),
        benchmark_section(result),
        reading_section(measures, result, model_leans),
        files_section(),
    ]


def files_section() -> Section:
    """Where the sets were saved in word2vec text format (the seed's "convert" step)."""
    files = converted_files()
    listing = "\n".join(f"- `{path}`" for path in files) or "_(none yet)_"
    return Section(
        "Vectors in word2vec format",
        "Each set is saved once in word2vec text format with gensim's `save_word2vec_format` "
        "(a GloVe text file converts with `load_word2vec_format(no_header=True)`, the "
        "replacement for the deprecated `glove2word2vec`) and as a memory-mapped `.kv` next to "
        "it, which is what later runs open:\n\n" + listing,
    )


_HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ background: #f3f3f3; }}
img {{ max-width: 100%; }}
</style></head><body>
{body}
</body></html>
"""


def write_report(
    sections: Sequence[Section], out_dir: str | Path, title: str = "Inksight embedding lab"
) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (same content) into ``out_dir``."""
    import markdown

    if not sections:
        raise PipelineError("a report needs at least one section.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = f"# {title}\n\n" + "\n".join(s.to_markdown() for s in sections)
    md_path = out_dir / "report.md"
    md_path.write_text(text, encoding="utf-8")
    body = markdown.markdown(text, extensions=["tables"])
    html_path = out_dir / "report.html"
    html_path.write_text(_HTML_PAGE.format(title=html.escape(title), body=body), encoding="utf-8")
    return md_path, html_path


def lab_report_main(
    out: str | Path | None = None,
    sets: Sequence[str] = SET_NAMES,
    model_dir: str | Path | None = None,
    top: int = 300,
) -> dict:
    """``inksight lab report``: run the embedding lab and write the report; returns the paths."""
    from inksight.pipelines.assets import cache_dir

    out_dir = Path(out) if out else cache_dir() / "lab"
    started = time.perf_counter()
    sections = build_embedding_sections(out_dir, sets, model_dir, top)
    md_path, html_path = write_report(sections, out_dir)
    return {
        "markdown": str(md_path),
        "html": str(html_path),
        "sections": [s.title for s in sections],
        "seconds": round(time.perf_counter() - started, 3),
    }


@dataclass
class LabReportView:
    """The lab report as the app shows it: Markdown without picture links, and the pictures."""

    folder: Path
    markdown: str | None
    pictures: list[tuple[Any, str]]  # (PIL image, caption)
    command: str = "inksight lab run"  # the whole lab; `inksight lab report` is its embedding part

    @property
    def exists(self) -> bool:
        return self.markdown is not None or bool(self.pictures)


def lab_report_view(folder: str | Path | None = None) -> LabReportView:
    """Read the lab report in ``folder`` (default: the lab's output folder in the cache)."""
    from PIL import Image

    from inksight.pipelines.assets import cache_dir

    folder = Path(folder) if folder else cache_dir() / "lab"
    report = folder / "report.md"
    markdown = None
    if report.is_file():
        text = report.read_text(encoding="utf-8")
        # Picture links are relative to the report; the pictures are shown in a gallery instead.
        markdown = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
        markdown = re.sub(r"\[[^\]]*\]\([^)]*\.html\)", "", markdown)
    pictures = []
    for path in sorted(folder.rglob("*.png")) if folder.is_dir() else []:
        with Image.open(path) as image:
            pictures.append((image.convert("RGB"), path.stem.replace("_", " ")))
    return LabReportView(folder, markdown, pictures)
