"""Choose the rapidocr reader's settings on the HARD TUNING fonts only, never on what is reported.

The hard tier of ``bench_ocr_accuracy.py`` reports fonts of held-out families
(``HARD_HELD_OUT_FONTS``). The reader's own settings (the beam search's weights, the detector's
box expansion, the second look at small writing) must be chosen on other hands: this script
renders a development set in the fonts of the tuning families (``HARD_TUNING_FONTS``), from
review sentences the benchmark never renders (``review_texts()[2::4]``; the benchmark writes
``[0::4]`` and the word model counts ``[1::2]``), with seeds apart from the benchmark's, and reads
it with the shipped engine and with one setting changed at a time.

The choice is the variant with the lowest mean CER over the four subsets (line/page x
clean/photo); the shipped defaults in ``ocr/engines/rapidocr.py``, ``ocr/decoding.py`` and
``ocr/engines/base.py`` are then set to it by hand, and the table goes to docs/ocr-benchmark.md.

    python benchmarks/tune_ocr_reader.py                 # about 15 minutes on 2 quiet cores
    python benchmarks/tune_ocr_reader.py --lines 4 --pages 1   # a smoke run
    python benchmarks/tune_ocr_reader.py --seed 50000 --thin 0.4 --lines 40 --pages 10  # hairlines
    python benchmarks/tune_ocr_reader.py --lines 0 --pages 0 --blanks 162 --recognizer NEW.onnx
    python benchmarks/tune_ocr_reader.py --candidates-only --recognizer NEW.onnx --short-floor 0.75

A reader must also find nothing where nothing is written: ``--blanks N`` reads N development
blanks (papers, photographed sheets, a wall, noise, a cluttered desk; seeds apart from the
benchmark's) with every variant, and reports how many gave a line or said "writing was found",
and the surest readings it saw there, kept or dropped, so a new recogniser's floor for short readings
(``SHORT_MIN_CONFIDENCE``) is chosen on them.

Each run writes the next free ``benchmarks/results/ocr_reader_tuning_N.json`` (``--out`` names
another file), so a run never writes over the record of an earlier one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inksight.ocr.engines.base import SHORT_LINE_CHARS  # noqa: E402
from inksight.ocr.engines.rapidocr import DEFAULT_DETECTOR  # noqa: E402
from inksight.ocr.fonts import HARD_HELD_OUT_FONTS, HARD_TUNING_FONTS  # noqa: E402
from inksight.ocr.metrics import summarize, summarize_by_tag  # noqa: E402
from inksight.ocr.synth import series_blank, write_dataset  # noqa: E402
from inksight.pipelines.errors import AssetError  # noqa: E402
from inksight.pipelines.ocr_jobs import (  # noqa: E402
    build_ocr_engine,
    resolve_fonts,
    review_texts,
    score_images,
)

RESULTS = ROOT / "benchmarks" / "results"
SUBSETS = [(kind, style) for kind in ("line", "page") for style in ("clean", "photo")]
SEED = 20_000  # far from the benchmark's seeds (its hard tier uses seed + 100 ...)
# The development blanks: 81 at each of these seeds and up (the benchmark's are 2024 and up).
BLANK_SEEDS = (30_000, 40_000, 50_000, 60_000)
BLANKS_PER_SEED = 81
DEVELOPMENT_BLANKS = len(BLANK_SEEDS) * BLANKS_PER_SEED

# The shipped reader, then one setting changed at a time: (name, build_ocr_engine options).
VARIANTS: list[tuple[str, dict]] = [
    ("shipped", {}),
    ("greedy decoding (no word model)", {"language_model": None}),
    ("beam, word model alpha 0.3, beta 2 (2026-12-04 to 2026-12-08)",
     {"decoder_options": {"alpha": 0.3, "beta": 2.0}}),
    ("beam, word model alpha 0.8, beta 4",
     {"decoder_options": {"alpha": 0.8, "beta": 4.0}}),
    ("beam, cheaper word gaps (split penalty 4)", {"decoder_options": {"split_penalty": 4.0}}),
    ("beam, weighted r/n-style confusions (0.3)", {"decoder_options": {"confusion": 0.3}}),
    # The word model's weights were chosen for rapidocr's own recogniser (2026-12-04); the
    # fine-tuned one is surer frame by frame, so the same alpha has less say (alpha 0.5 and beta
    # 3 shipped again on 2026-12-08).
    ("beam, word model alpha 0.15, beta 1", {"decoder_options": {"alpha": 0.15, "beta": 1.0}}),
    ("beam, dearer word gaps (split penalty 10)", {"decoder_options": {"split_penalty": 10.0}}),
    ("beam, word model alpha 0.65, beta 3.5", {"decoder_options": {"alpha": 0.65, "beta": 3.5}}),
    ("beam, 24 readings kept (beam 24)", {"decoder_options": {"beam": 24}}),
    ("beam 24 with the word model at alpha 0.65, beta 3.5",
     {"decoder_options": {"beam": 24, "alpha": 0.65, "beta": 3.5}}),
    ("box expansion 1.6 (rapidocr's default)", {"detector": {"unclip_ratio": 1.6}}),
    ("box expansion 1.8", {"detector": {"unclip_ratio": 1.8}}),
    ("no second look at small writing", {"second_look": False}),
    ("detector longest side 960", {"detector": {"limit_side_len": 960}}),
    ("detector longest side 1280", {"detector": {"limit_side_len": 1280}}),
    ("box threshold 0.4 (faint writing)", {"detector": {"box_thresh": 0.4}}),
    ("box threshold 0.3 (faint writing)", {"detector": {"box_thresh": 0.3}}),
    ("pixel threshold 0.2 (faint writing)", {"detector": {"thresh": 0.2}}),
    ("keep lines from confidence 0.4", {"min_confidence": 0.4}),
    # Darkening the whole page (detection too), with the line crops left as the page gives them.
    ("grey ink left as it is (gamma 1)", {"ink_gamma": 1.0, "crop_gamma": 1.0}),
    ("grey ink darkened, gamma 1.5", {"ink_gamma": 1.5, "crop_gamma": 1.0}),
    ("grey ink darkened, gamma 2", {"ink_gamma": 2.0, "crop_gamma": 1.0}),
    ("grey ink in line crops as it is (gamma 1)", {"crop_gamma": 1.0}),
    ("grey ink darkened in line crops only, gamma 2", {"crop_gamma": 2.0}),
    ("grey ink darkened in line crops only, gamma 3", {"crop_gamma": 3.0}),
    # The faint look: when a page gave nothing, look again with grey ink darkened (gamma 3).
    ("no faint look at a page that gave nothing", {"faint_look": 1.0}),
    ("faint look, gamma 2", {"faint_look": 2.0}),
    # The second look at small writing, from which height (detector pixels) it fires.
    ("second look below 14 px (until 2026-12-05)", {"small_writing": 14}),
    ("second look below 26 px", {"small_writing": 26}),
    # The thin look: a page read unsurely is read again with grey ink darkened, detector at 960.
    ("no thin look at a page read unsurely (until 2026-12-05)", {"thin_look": False}),
    # Faint ink the normalisation's contrast stretch takes to white: the thin look's white level
    # (THIN_WHITE), and the same for every look.
    ("thin look on the first look's page darkened (until 2026-12-07)", {"thin_white": None}),
    ("every page normalised with paper white at 0.97", {"paper_white": 0.97}),
    ("first look with paper white at 0.95 (thin look at 0.97)", {"paper_white": 0.95}),
    ("first look with paper white at 0.96 (thin look at 0.97)", {"paper_white": 0.96}),
    # The recogniser: fine-tuned on tuning-font handwriting, or the one in rapidocr's wheel.
    ("rapidocr's own recogniser (until 2026-12-05)", {"recognizer": "stock"}),
    # Narrow hands: it emits one character per 8 px of crop width at most, so an unsure line is
    # read again wider and the surer reading kept.
    ("no line read again wider (until 2026-12-06)", {"stretch_below": 0.0}),
    ("the wider reading kept only 0.05 surer", {"stretch_margin": 0.05}),
    ("the wider reading kept only 0.1 surer", {"stretch_margin": 0.1}),
    ("the wider reading kept only 0.2 surer", {"stretch_margin": 0.2}),
    ("unsure lines read again 2x wider (under 0.9)", {"stretch": 2.0, "stretch_below": 0.9}),
    ("unsure lines read again 2x wider (under 0.7)", {"stretch": 2.0, "stretch_below": 0.7}),
    ("every line read again 2x wider", {"stretch": 2.0, "stretch_below": 1.01}),
    # Slanted hands: a line read again with its slant taken out, the surer reading kept.
    ("unsure lines read again upright (under 0.9)", {"upright_below": 0.9}),
    ("every line read again upright", {"upright_below": 1.01}),
]  # fmt: skip


def render_dev_set(
    folder: Path, lines: int, pages: int, seed: int = SEED, thin: float = 0.0, pointed: float = 0.0
) -> list[dict]:
    """The development set: hard style, tuning fonts only, sentences the benchmark never uses;
    with ``thin``, their strokes worn down to hairlines (see ``inksight.ocr.synth._thin_strokes``),
    with ``pointed``, drawn with a pointed pen's contrast (``_pointed_strokes``)."""
    fonts = resolve_fonts(["hard-tuning"])
    if not fonts:
        raise AssetError("no hard tuning fonts found; run scripts/install_fonts.sh.")
    leaked = set(fonts) & set(HARD_HELD_OUT_FONTS)
    assert not leaked, f"held-out fonts in the tuning set: {leaked}"
    texts = review_texts()[2::4]
    records = []
    for number, (kind, style) in enumerate(SUBSETS):
        subset = f"{kind}-{style}"
        count = lines if kind == "line" else pages
        if count == 0:  # e.g. a run that reads only the blanks
            continue
        for record in write_dataset(
            folder / subset, texts, fonts, count, kinds=(kind,), styles=(style,),
            seed=seed + number, tier="hard", thin=thin, pointed=pointed,
        ):  # fmt: skip
            record["image"] = f"{subset}/{record['image']}"
            records.append(record)
    return records


def development_blanks(count: int, first: int = 0) -> list[tuple[str, Image.Image]]:
    """Development blanks ``first`` to ``first + count - 1`` as (kind, image). They are 81-long
    series (``series_blank``), one from each base of ``BLANK_SEEDS``: blank ``n`` is
    ``series_blank(n % 81, BLANK_SEEDS[n // 81])``."""
    if first < 0 or count < 0 or first + count > DEVELOPMENT_BLANKS:
        raise ValueError(f"there are {DEVELOPMENT_BLANKS} development blanks, numbered from 0.")
    return [
        series_blank(number % BLANKS_PER_SEED, BLANK_SEEDS[number // BLANKS_PER_SEED])
        for number in range(first, first + count)
    ]


class _RecordingRecognizer:
    """The engine's recogniser, keeping every reading it gives, also those the reader drops."""

    def __init__(self, recognizer) -> None:
        self.inner, self.readings = recognizer, []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def recognize(self, crops: list) -> list[tuple[str, float]]:
        readings = self.inner.recognize(crops)
        self.readings.extend(readings)
        return readings


def read_blanks(options: dict, blanks: list[tuple[str, Image.Image]]) -> dict:
    """What one variant reads where nothing is written: images that gave a line, images where it
    said "writing was found", and its surest readings there (kept or dropped), short and long."""
    engine = build_ocr_engine("rapidocr", **options)
    recorder = _RecordingRecognizer(engine.recognizer)
    engine.recognizer = recorder
    with_lines, writing_found, seen = [], 0, []
    for kind, image in blanks:
        recorder.readings = []
        result = engine.read(image)
        if result.lines:
            with_lines.append({"kind": kind, "text": result.text})
        writing_found += any("writing was found" in warning for warning in result.warnings)
        readings = {(round(float(c), 3), " ".join(t.split())) for t, c in recorder.readings}
        # Once per image (its later looks often read the same box again); one character alone
        # is never a line.
        seen += [(c, t, kind) for c, t in readings if len(t.replace(" ", "")) >= 2]
    seen.sort(reverse=True)

    def surest(short: bool) -> list:
        chosen = [r for r in seen if (len(r[1].replace(" ", "")) <= SHORT_LINE_CHARS) == short]
        return chosen[:5]

    return {
        "images": len(blanks),
        "images_with_lines": len(with_lines),
        "examples": with_lines[:5],
        "writing_found": writing_found,
        # A short-reading floor above the first of these keeps every blank here empty of them.
        "surest_short_readings": surest(short=True),
        "surest_longer_readings": surest(short=False),
    }


def read_variant(options: dict, folder: Path, records: list[dict]) -> dict:
    """CER per subset and the mean over subsets (each subset counts the same)."""
    engine = build_ocr_engine("rapidocr", **options)
    started = time.perf_counter()
    scores = score_images(engine, folder, records)
    by_subset = {}
    for kind, style in SUBSETS:
        chosen = [s for s in scores if (s.groups["kind"], s.groups["style"]) == (kind, style)]
        by_subset[f"{kind}/{style}"] = summarize(chosen)
    cers = [report["cer"] for report in by_subset.values() if report.get("images")]
    overall = summarize(scores)
    effects = summarize_by_tag(scores)
    return {
        "mean_subset_cer": round(sum(cers) / len(cers), 6),
        "line_recall": overall.get("line_recall"),
        "by_subset": {key: report.get("cer") for key, report in by_subset.items()},
        "seconds": round(time.perf_counter() - started, 1),
        # Where the errors are, for choosing what to try next (tuning fonts only).
        "by_effect": {
            tag: (r["images"], r["cer"], r.get("line_recall")) for tag, r in effects.items()
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=16, help="line images per style")
    parser.add_argument("--pages", type=int, default=5, help="page images per style")
    parser.add_argument(
        "--out", type=Path, default=None,
        help="the JSON to write (default: the next free results/ocr_reader_tuning_N.json)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=SEED, help="a second development set: another seed"
    )
    parser.add_argument(
        "--only", nargs="+", default=(), metavar="WORDS",
        help="read only the variants whose name contains one of these (and the shipped one)",
    )  # fmt: skip
    parser.add_argument(
        "--thin", type=float, default=0.0,
        help="wear this share of every stroke away (0.4: hairline hands like the held-out ones)",
    )  # fmt: skip
    parser.add_argument(
        "--pointed", type=float, default=0.0,
        help="draw every stroke with a pointed pen's contrast, this share of the width of the "
        "strokes that run across worn away (0.6: like the pointed-pen scripts held out)",
    )  # fmt: skip
    parser.add_argument(
        "--recognizer", nargs="+", default=(), type=Path, metavar="ONNX",
        help="also read with these recogniser files (build_ocr_engine's recognizer=PATH)",
    )  # fmt: skip
    parser.add_argument(
        "--short-floor", nargs="+", default=(), type=float, metavar="CONF",
        help="also read each --recognizer file (without one, the shipped reader) keeping readings "
        "of 3 characters or fewer only from these confidences (SHORT_MIN_CONFIDENCE)",
    )  # fmt: skip
    parser.add_argument(
        "--candidates-only", action="store_true",
        help="read only the --recognizer files at their floors, not the shipped reader (reading "
        "is deterministic: an earlier run has its figures) nor the variants",
    )  # fmt: skip
    parser.add_argument(
        "--no-shipped", action="store_true",
        help="with --only, read only the chosen variants, not the shipped reader (reading is "
        "deterministic: an earlier run has its figures)",
    )  # fmt: skip
    parser.add_argument(
        "--blanks", type=int, default=0, metavar="N",
        help="also read N development blanks with every variant (162: the usual check)",
    )  # fmt: skip
    parser.add_argument(
        "--blanks-from", type=int, default=0, metavar="K",
        help="the development blanks read start at number K (162: the 162 after the usual ones)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:  # before minutes of rendering the development set, not after
        blanks = development_blanks(args.blanks, args.blanks_from)
    except ValueError:
        left = min(max(DEVELOPMENT_BLANKS - args.blanks_from, 0), DEVELOPMENT_BLANKS)
        parser.error(
            f"--blanks takes 0 to {left} development blanks from number {args.blanks_from} "
            f"(there are {DEVELOPMENT_BLANKS}, numbered from 0)."
        )
    name = str(args.seed)
    name += f"-thin{args.thin:g}" if args.thin else ""
    name += f"-pointed{args.pointed:g}" if args.pointed else ""
    folder = RESULTS / "ocr_reader_tuning_data" / name
    records = render_dev_set(folder, args.lines, args.pages, args.seed, args.thin, args.pointed)
    print(f"development set: {len(records)} images in {len(HARD_TUNING_FONTS)} tuning fonts")
    rows = []
    chosen = [
        (name, options) for name, options in VARIANTS
        if (name == "shipped" and not args.no_shipped)
        or (name != "shipped" and (not args.only or any(word in name for word in args.only)))
    ]  # fmt: skip
    recognizers = [(f"recogniser {path}", {"recognizer": str(path)}) for path in args.recognizer]
    candidates = recognizers + [
        (f"{name}, short readings kept from {floor:g}", {**options, "short_min_confidence": floor})
        for name, options in recognizers or [("shipped", {})]
        for floor in args.short_floor
    ]
    chosen = candidates if args.candidates_only else chosen + candidates
    for name, options in chosen:
        row = {"variant": name, "options": options}
        if records:
            row |= read_variant(options, folder, records)
            print(f"  {name:48s} mean CER {row['mean_subset_cer']:.4f}  {row['by_subset']}")
        if blanks:
            row["blanks"] = read_blanks(options, blanks)
            print(f"  {name:48s} {_blank_summary(row['blanks'])}")
        rows.append(row)
    scored = [row for row in rows if "mean_subset_cer" in row]  # none when only blanks were read
    best = min(scored, key=lambda row: row["mean_subset_cer"]) if scored else None
    result = {
        "benchmark": "ocr_reader_tuning",
        "command": "python benchmarks/tune_ocr_reader.py " + " ".join(argv or sys.argv[1:]),
        "fonts": list(HARD_TUNING_FONTS),
        "seed": args.seed,
        "thin": args.thin,
        "pointed": args.pointed,
        "images": len(records),
        "shipped_detector": DEFAULT_DETECTOR,
        "variants": rows,
        "blanks": len(blanks),
        "blanks_from": args.blanks_from,
        "chosen": best and best["variant"],
    }
    args.out = args.out or next_results_file(RESULTS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    if best:
        print(f"lowest mean CER: {best['variant']} ({best['mean_subset_cer']:.4f})")
    print(f"wrote {args.out}")
    return result


def next_results_file(folder: Path) -> Path:
    """``folder/ocr_reader_tuning_N.json`` for the lowest N above every one already there (the
    first run's file has no number), so each run's record is kept."""
    taken = [
        int(match[1])
        for path in folder.glob("ocr_reader_tuning_*.json")
        if (match := re.fullmatch(r"ocr_reader_tuning_(\d+)\.json", path.name))
    ]
    return folder / f"ocr_reader_tuning_{max(taken, default=1) + 1}.json"


def _blank_summary(report: dict) -> str:
    surest = report["surest_short_readings"][:1]
    short = (
        f"surest short reading {surest[0][1]!r} {surest[0][0]:.2f}"
        if surest
        else "no short reading"
    )
    return (
        f"blanks: {report['images_with_lines']} of {report['images']} with a line, "
        f"{report['writing_found']} 'writing was found'; {short}"
    )


if __name__ == "__main__":
    main()
