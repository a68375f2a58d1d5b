"""Pictures of an embedding set: PCA to 2-D, coloured by the classifier's lean, seed groups marked.

The seed lab's step 4 asks whether sentiment words cluster. ``cluster_measure`` answers with numbers
(mean cosine within each seed group against between the groups); ``plot_embeddings`` draws the most
frequent words and puts those numbers in the caption, as a static PNG (matplotlib) or an interactive
HTML page (plotly, hover shows the word and its lean). ``map_figure`` is that plotly map on its own,
which the web app's embedding map shows too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from inksight.nlp.errors import NlpError
from inksight.nlp.vectors.word_vectors import WordVectors

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "POSITIVE",
    "NEGATIVE",
    "ClusterMeasure",
    "Projection",
    "PlotResult",
    "cluster_measure",
    "project_pca",
    "map_words",
    "map_figure",
    "plot_embeddings",
]

POSITIVE = ("good", "great", "amazing", "excellent", "wonderful")
NEGATIVE = ("bad", "awful", "terrible", "boring", "worst")
_LABELLED = 40  # the most frequent words get a text label on the PNG; more would be unreadable


@dataclass
class ClusterMeasure:
    """Mean pairwise cosine within each seed group and between the two groups."""

    vectors: str
    within_positive: float
    within_negative: float
    between: float
    positive: list[str] = field(default_factory=list)  # the forms found in the vectors
    negative: list[str] = field(default_factory=list)

    @property
    def separation(self) -> float:
        """Mean within-group cosine minus the between-group cosine (> 0: the groups cluster)."""
        return (self.within_positive + self.within_negative) / 2 - self.between

    @property
    def clusters(self) -> bool:
        return not math.isnan(self.separation) and self.separation > 0

    def caption(self) -> str:
        return (
            f"{self.vectors}: mean cosine within positive {self.within_positive:.2f}, "
            f"within negative {self.within_negative:.2f}, between {self.between:.2f} "
            f"(separation {self.separation:+.2f}: "
            f"{'the groups cluster' if self.clusters else 'no clustering'})"
        )

    def to_dict(self) -> dict:
        def safe(x: float) -> float | None:
            return None if math.isnan(x) else round(float(x), 6)

        return {
            "vectors": self.vectors,
            "within_positive": safe(self.within_positive),
            "within_negative": safe(self.within_negative),
            "between": safe(self.between),
            "separation": safe(self.separation),
            "clusters": self.clusters,
            "positive": self.positive,
            "negative": self.negative,
        }


def cluster_measure(
    wv: WordVectors, positive: Sequence[str] = POSITIVE, negative: Sequence[str] = NEGATIVE
) -> ClusterMeasure:
    """Measure whether the two seed groups cluster in ``wv`` (unknown words are left out)."""
    return ClusterMeasure(
        wv.name,
        wv.mean_cosine(positive),
        wv.mean_cosine(negative),
        wv.mean_cosine(positive, negative),
        wv.known_forms(positive),
        wv.known_forms(negative),
    )


@dataclass
class Projection:
    """Words placed in 2-D by PCA, with the share of variance each axis keeps."""

    words: list[str]
    xy: np.ndarray  # [N, 2]
    explained: tuple[float, float]


def project_pca(wv: WordVectors, words: Sequence[str]) -> Projection:
    """PCA (scikit-learn) of the vectors of ``words`` down to two dimensions."""
    from sklearn.decomposition import PCA

    if len(words) < 3:
        raise NlpError(f"a PCA picture needs at least 3 words, not {len(words)}.")
    matrix = np.stack([np.asarray(wv.vector(w), dtype=np.float64) for w in words])
    pca = PCA(n_components=2, random_state=0)
    xy = pca.fit_transform(matrix)
    explained = tuple(float(x) for x in pca.explained_variance_ratio_)
    return Projection(list(words), xy, explained)  # type: ignore[arg-type]


def map_words(wv: WordVectors, top: int, also: Sequence[str | None] = ()) -> list[str]:
    """The ``top`` most frequent words of ``wv``, then each of ``also`` (the seed groups, a
    searched word) not already among them, so every marked word has a place on the map."""
    words = wv.top_words(top)
    chosen = set(words)
    return words + [w for w in dict.fromkeys(also) if w and w not in chosen]


@dataclass
class PlotResult:
    """What ``plot_embeddings`` wrote."""

    path: Path
    words: int
    measure: ClusterMeasure
    explained: tuple[float, float]

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "words": self.words,
            "explained_variance": [round(x, 6) for x in self.explained],
            "cluster": self.measure.to_dict(),
        }


def plot_embeddings(
    wv: WordVectors,
    out: str | Path,
    top: int = 300,
    leans: Mapping[str, float] | None = None,
    positive: Sequence[str] = POSITIVE,
    negative: Sequence[str] = NEGATIVE,
) -> PlotResult:
    """Draw the ``top`` most frequent words (plus the seed groups) after PCA to 2-D.

    Args:
        wv: the embedding set.
        out: ``.png`` for a static picture, ``.html`` for an interactive one.
        top: how many of the most frequent plain words to draw (bigram tokens are left out).
        leans: the classifier's signed score per stored word form (> 0 leans positive); words
            without one are grey.
        positive, negative: the seed groups, marked and measured.
    """
    out = Path(out)
    if out.suffix.lower() not in (".png", ".html"):
        raise NlpError(f"the picture must be a .png or .html file, not {out.name!r}.")
    seeds_pos, seeds_neg = wv.known_forms(positive), wv.known_forms(negative)
    words = map_words(wv, top, [*seeds_pos, *seeds_neg])
    projection = project_pca(wv, words)
    measure = cluster_measure(wv, positive, negative)
    title = f"{wv.name} embeddings: PCA of the {top} most frequent words"
    caption = measure.caption()
    out.parent.mkdir(parents=True, exist_ok=True)
    draw = _draw_png if out.suffix.lower() == ".png" else _draw_html
    draw(projection, out, leans or {}, seeds_pos, seeds_neg, title, caption)
    return PlotResult(out, len(words), measure, projection.explained)


def _axis_labels(projection: Projection) -> tuple[str, str]:
    first, second = projection.explained
    return f"PC1 ({first:.0%} of variance)", f"PC2 ({second:.0%} of variance)"


def _lean_values(words: Sequence[str], leans: Mapping[str, float]) -> np.ndarray:
    return np.asarray([leans.get(w, np.nan) for w in words], dtype=np.float64)


def _draw_png(projection, out, leans, seeds_pos, seeds_neg, title, caption) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in tests
    import matplotlib.pyplot as plt

    values = _lean_values(projection.words, leans)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig, ax = plt.subplots(figsize=(11, 8.5))
    xy = projection.xy
    has_lean = np.isfinite(values)
    ax.scatter(*xy[~has_lean].T, s=12, c="lightgrey", label="no lean")
    points = ax.scatter(
        *xy[has_lean].T, s=14, c=values[has_lean], cmap="RdBu", vmin=-limit, vmax=limit
    )
    if has_lean.any():
        fig.colorbar(points, ax=ax, label="classifier lean (blue: positive, red: negative)")
    index = {w: i for i, w in enumerate(projection.words)}
    for group, marker, colour, label in (
        (seeds_pos, "^", "navy", "seed positive"),
        (seeds_neg, "v", "darkred", "seed negative"),
    ):
        rows = [index[w] for w in group]
        if rows:
            ax.scatter(*xy[rows].T, s=90, marker=marker, facecolors="none", edgecolors=colour,
                       linewidths=1.8, label=label)  # fmt: skip
    labelled = set(projection.words[:_LABELLED]) | set(seeds_pos) | set(seeds_neg)
    for word in labelled:
        x, y = xy[index[word]]
        bold = word in seeds_pos or word in seeds_neg
        ax.annotate(word, (x, y), fontsize=9 if bold else 7, weight="bold" if bold else "normal",
                    xytext=(3, 3), textcoords="offset points")  # fmt: skip
    ax.set_title(title)
    xlabel, ylabel = _axis_labels(projection)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    fig.text(0.5, 0.01, caption, ha="center", fontsize=9, wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _draw_html(projection, out, leans, seeds_pos, seeds_neg, title, caption) -> None:
    figure = map_figure(projection, leans, seeds_pos, seeds_neg, title, caption, height=750)
    # The page embeds plotly.js so it opens offline.
    figure.write_html(str(out), include_plotlyjs=True, full_html=True)


def map_figure(
    projection: Projection,
    leans: Mapping[str, float],
    seeds_pos: Sequence[str],
    seeds_neg: Sequence[str],
    title: str,
    caption: str,
    found: str | None = None,
    height: int = 650,
) -> go.Figure:
    """The interactive map as a plotly ``Figure``: words coloured by the classifier's lean (hover
    shows the word and its lean), the seed groups marked, ``found`` (if given) starred.

    The HTML picture and the web app's map both draw with it.
    """
    import plotly.graph_objects as go

    figure = go.Figure(_words_trace(projection, _lean_values(projection.words, leans)))
    index = {w: i for i, w in enumerate(projection.words)}
    marks = [
        (seeds_pos, "triangle-up", "navy", 13, "seed positive"),
        (seeds_neg, "triangle-down", "darkred", 13, "seed negative"),
        ([found] if found else [], "star", "gold", 22, f"found: {found}"),
    ]
    for group, symbol, colour, size, label in marks:
        if not group:
            continue
        xy = projection.xy[[index[w] for w in group]]
        figure.add_trace(
            go.Scatter(
                x=xy[:, 0], y=xy[:, 1], mode="markers+text", name=label, text=list(group),
                textposition="top center", hoverinfo="text",
                marker={"size": size, "symbol": symbol, "color": colour,
                        "line": {"width": 1, "color": "black"}},
            )
        )  # fmt: skip
    xlabel, ylabel = _axis_labels(projection)
    figure.update_layout(
        title={"text": f"{title}<br><sup>{caption}</sup>"},
        xaxis_title=xlabel,
        yaxis_title=ylabel,
        template="plotly_white",
        height=height,
    )
    return figure


def _words_trace(projection: Projection, values: np.ndarray) -> go.Scatter:
    """Every word as a point coloured by its lean; words without one sit at the grey middle."""
    import plotly.graph_objects as go

    has_lean = np.isfinite(values)
    limit = float(np.nanmax(np.abs(values))) if has_lean.any() else 1.0
    hover = [
        f"{w}<br>lean {v:+.3f}" if np.isfinite(v) else f"{w}<br>no lean"
        for w, v in zip(projection.words, values, strict=True)
    ]
    return go.Scatter(
        x=projection.xy[:, 0], y=projection.xy[:, 1], mode="markers", name="words", text=hover,
        hoverinfo="text",
        marker={"size": 7, "color": np.where(has_lean, values, 0.0), "colorscale": "RdBu",
                "cmin": -limit, "cmax": limit, "showscale": bool(has_lean.any()),
                "colorbar": {"title": "lean"}},
    )  # fmt: skip
