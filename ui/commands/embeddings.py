"""`inksight embeddings plot|compare|benchmark`, `inksight similarity|neighbours|analogy`.

Every command takes ``--vectors SET`` (model, word2vec, glove, another GloVe set by name, or a
vectors file) and ``--json`` for machine-readable output; without it, a readable table.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inksight.nlp.vectors.word_vectors import WordVectors

__all__ = ["register", "text_table"]

_SETS_HELP = (
    "embedding set: model (the trained classifier's), word2vec (trained on IMDB), glove "
    "(GloVe 6B 50d), glove-6b-100d..., or a vectors file (GloVe text, word2vec text/binary, .kv)"
)


def text_table(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as an aligned plain-text table (numbers right-aligned)."""
    if not rows:
        return "(nothing to show)"
    columns = list(columns or rows[0].keys())
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def fmt(values: Sequence[str]) -> str:
        parts = []
        for value, width in zip(values, widths, strict=True):
            numeric = value.replace(".", "").replace("-", "").replace("%", "").replace(",", "")
            parts.append(value.rjust(width) if numeric.isdigit() else value.ljust(width))
        return "  ".join(parts).rstrip()

    lines = [fmt(columns), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines)


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _add_common(parser: argparse.ArgumentParser, default_set: str = "glove") -> None:
    parser.add_argument(
        "--vectors",
        default=default_set,
        metavar="SET",
        help=f"{_SETS_HELP} (default: {default_set})",
    )
    parser.add_argument(
        "--model", type=Path, default=None, metavar="DIR",
        help="model folder for the 'model' set and the leans (default: the default model)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    emb = subparsers.add_parser(
        "embeddings", help="look inside embedding sets: PCA pictures, side-by-side, benchmark"
    )
    emb_sub = emb.add_subparsers(dest="embeddings_command", metavar="ACTION", required=True)

    plot = emb_sub.add_parser("plot", help="PCA picture (PNG or interactive HTML) of a set")
    _add_common(plot, default_set="model")
    plot.add_argument("--top", type=_positive_int, default=300, help="most frequent words to draw")
    plot.add_argument("--out", type=Path, required=True, help="FILE.png or FILE.html")
    plot.add_argument(
        "--no-leans", action="store_true", help="do not colour by the classifier's lean"
    )
    plot.set_defaults(func=_plot)

    comp = emb_sub.add_parser("compare", help="the same words' neighbours in every set")
    comp.add_argument("words", nargs="+", metavar="WORD")
    comp.add_argument("--sets", nargs="+", default=["model", "word2vec", "glove"], metavar="SET")
    comp.add_argument("--topn", type=_positive_int, default=5)
    comp.add_argument("--model", type=Path, default=None, metavar="DIR")
    comp.add_argument("--json", action="store_true", help="print machine-readable JSON")
    comp.set_defaults(func=_compare)

    bench = emb_sub.add_parser(
        "benchmark", help="analogy accuracy and similarity correlations for each set"
    )
    bench.add_argument("--sets", nargs="+", default=["model", "word2vec", "glove"], metavar="SET")
    bench.add_argument(
        "--restrict-vocab", type=_positive_int, default=100_000,
        help="analogies use the N most frequent words of each set (gensim's rule)",
    )  # fmt: skip
    bench.add_argument("--model", type=Path, default=None, metavar="DIR")
    bench.add_argument("--json", action="store_true", help="print machine-readable JSON")
    bench.set_defaults(func=_benchmark)

    sim = subparsers.add_parser("similarity", help="cosine similarity of two words")
    sim.add_argument("word1")
    sim.add_argument("word2")
    _add_common(sim)
    sim.set_defaults(func=_similarity)

    near = subparsers.add_parser("neighbours", help="the most similar words to WORD")
    near.add_argument("word")
    near.add_argument("--topn", type=_positive_int, default=10)
    _add_common(near)
    near.set_defaults(func=_neighbours)

    ana = subparsers.add_parser(
        "analogy", help="A - B + C (king man woman -> queen), by 3CosAdd and 3CosMul"
    )
    ana.add_argument("a")
    ana.add_argument("b")
    ana.add_argument("c")
    ana.add_argument("--topn", type=_positive_int, default=5)
    _add_common(ana)
    ana.set_defaults(func=_analogy)


def _model_dir(args: argparse.Namespace, needed: bool) -> Path | None:
    """``--model``, or when the command needs a classifier, the default model (trained here on
    first use: a command is where a user can wait minutes; the pipelines never train on the side)."""
    if args.model or not needed:
        return args.model
    from inksight.pipelines.train.default_model import ensure_default_model

    return ensure_default_model()


def _open(args: argparse.Namespace, model_dir: Path | None = None) -> WordVectors:
    # Only the opening code: a GloVe lookup must not pay for torch, spaCy or the plots.
    from inksight.pipelines.embeddings.sets import open_vectors

    return open_vectors(args.vectors, model_dir or _model_dir(args, args.vectors == "model"))


def _looked_up(words: Sequence[str], forms: Sequence[str]) -> str:
    changed = [f"{w} -> {f}" for w, f in zip(words, forms, strict=True) if w != f]
    return f" (looked up as {', '.join(changed)})" if changed else ""


def _similarity(args: argparse.Namespace) -> int:
    result = _open(args).similarity(args.word1, args.word2)
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(
        f"cosine({args.word1}, {args.word2}) = {result.cosine:.4f} in {result.vectors}"
        + _looked_up(result.words, result.looked_up)
    )
    return 0


def _neighbours(args: argparse.Namespace) -> int:
    result = _open(args).most_similar(args.word, topn=args.topn)
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(
        f"nearest to {args.word!r} in {result.vectors}"
        + _looked_up([result.word], [result.looked_up])
    )
    rows = [
        {"#": str(i), "word": n.word, "cosine": f"{n.score:.4f}"}
        for i, n in enumerate(result.neighbours, start=1)
    ]
    print(text_table(rows))
    return 0


def _analogy(args: argparse.Namespace) -> int:
    result = _open(args).analogy(args.a, args.b, args.c, topn=args.topn)
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(
        f"{args.a} - {args.b} + {args.c} = {result.answer} in {result.vectors}"
        + _looked_up(result.words, result.looked_up)
    )
    rows = [
        {
            "#": str(i + 1),
            "3CosAdd": add.word,
            "cosine": f"{add.score:.4f}",
            "3CosMul": mul.word,
            "score": f"{mul.score:.4f}",
        }
        for i, (add, mul) in enumerate(zip(result.cos_add, result.cos_mul, strict=False))
    ]
    print(text_table(rows))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from inksight.pipelines.embeddings.measures import plot_set

    model_dir = _model_dir(args, args.vectors == "model" or not args.no_leans)  # or for the leans
    wv = _open(args, model_dir)
    result = plot_set(wv, args.out, args.top, model_dir, with_leans=not args.no_leans)
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(f"wrote {result.path} ({result.words} words)")
    print(result.measure.caption())
    return 0


def _compare(args: argparse.Namespace) -> int:
    from inksight.pipelines.embeddings.measures import cluster_measures, compare
    from inksight.pipelines.embeddings.sets import open_vectors

    model_dir = _model_dir(args, "model" in args.sets)
    sets = [open_vectors(name, model_dir) for name in args.sets]
    rows = compare(args.words, sets, topn=args.topn)
    measures = cluster_measures(sets)
    if args.json:
        _print_json(
            {
                "neighbours": [r.to_dict() for r in rows],
                "clusters": [m.to_dict() for m in measures],
            }
        )
        return 0
    table = [
        {
            "word": r.word,
            "set": r.vectors,
            "looked up": r.looked_up or "-",
            "neighbours": r.error or ", ".join(f"{w} {s:.2f}" for w, s in r.neighbours),
        }
        for r in rows
    ]
    print(text_table(table))
    print()
    print("Do the seed sentiment words cluster? (mean cosine within each group vs between)")
    for measure in measures:
        print("  " + measure.caption())
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from inksight.pipelines.embeddings.measures import benchmark

    result = benchmark(args.sets, _model_dir(args, "model" in args.sets), args.restrict_vocab)
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(text_table(result.rows()))
    print(
        f"analogies: gensim's questions-words.txt, 3CosAdd over the {args.restrict_vocab:,} most "
        f"frequent words, questions with other words skipped (OOV); ρ: Spearman; "
        f"{result.seconds:.1f} s in all."
    )
    return 0
