"""Speed of the shipped offline engine (rapidocr, tuned for handwriting) against rapidocr defaults.

``tuned`` is the engine ``inksight`` ships (``build_ocr_engine``: language-model beam search);
``greedy`` is the same engine decoding greedily, measured in the same run so the beam search's cost
is read against a reference on the same machine at the same moment.

Median seconds per image, detection included, reading the file from disk, for single-line images
and page photos of synthetic handwriting (``inksight.ocr.synth``; DejaVu Sans when no handwriting font is
installed), plus the same page photos at phone-camera size (4000 x 3000 JPEG). Targets: a line in
<= 0.25 s and a page photo in <= 0.6 s.

The engines take turns image by image, each turn in another order: the shared machine this was
built on can slow to half speed for a minute, and a block of one engine's reads would then carry
the whole slowdown, so the speed-up against rapidocr's defaults (same images, same minutes) is the
figure to compare across days.

Run: ``.venv/bin/python benchmarks/bench_ocr_speed.py`` (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "ocr_speed.json"
TARGETS = {"line": 0.25, "page-photo": 0.6}
FONT_DIRS = (Path(__file__).parents[1] / "third_party" / "fonts", Path("/usr/share/fonts"))
TEXTS = (
    "A wonderful film with a moving story and superb acting. I loved every minute of it, and the "
    "music stayed with me for days. The ending was a little rushed but I did not mind at all.",
    "A boring mess. The plot makes no sense and the acting is wooden. Two hours of my life I will "
    "never get back, and the jokes fall flat. Avoid it unless you need help falling asleep.",
)


def _images(folder: Path, count: int) -> dict[str, list[Path]]:
    """Write ``count`` images of each kind; returns their paths by kind."""
    from PIL import Image

    from inksight.ocr.fonts import HELD_OUT_FONTS, find_fonts
    from inksight.ocr.synth import render_text

    fonts = find_fonts(FONT_DIRS)
    chosen = [fonts[name] for name in HELD_OUT_FONTS if name in fonts] or [
        fonts.get("dejavusans") or next(iter(fonts.values()))
    ]
    kinds: dict[str, list[Path]] = {"line": [], "page-photo": [], "page-photo-12mp": []}
    for index in range(count):
        font = chosen[index % len(chosen)]
        text = TEXTS[index % len(TEXTS)]
        line = render_text(" ".join(text.split()[:8]), font.stem, font, kind="line", seed=index)
        page = render_text(text, font.stem, font, kind="page", style="photo", seed=index)
        paths = [
            folder / f"line-{index}.png",
            folder / f"page-{index}.jpg",
            folder / f"big-{index}.jpg",
        ]
        line.image.save(paths[0])
        page.image.save(paths[1], quality=90)
        page.image.resize(
            (3000, 4000) if page.image.height > page.image.width else (4000, 3000), Image.BICUBIC
        ).save(paths[2], quality=90)
        for kind, path in zip(kinds, paths, strict=True):
            kinds[kind].append(path)
    return kinds


def _interleaved_medians(
    engines: dict[str, Callable[[Path], object]], paths: list[Path], repeats: int
) -> dict[str, float]:
    """Median seconds per read of each engine, the engines taking turns on each image (each turn
    in another order), so a minute when the machine slows falls on all of them alike."""
    for read in engines.values():
        read(paths[0])  # warm-up: loads the models
    names = list(engines)
    times: dict[str, list[float]] = {name: [] for name in names}
    turns = [path for path in paths for _ in range(repeats)]
    for turn, path in enumerate(turns):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            engines[name](path)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4, help="images of each kind")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="2 images of each kind, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.repeats = 2, 1

    from rapidocr import RapidOCR

    from inksight.ocr.engines import build_engine
    from inksight.pipelines.ocr_jobs import build_ocr_engine

    tuned = build_ocr_engine("rapidocr")
    greedy = build_engine("rapidocr")
    default = RapidOCR(params={"Global.log_level": "error"})
    engines = {
        "tuned": lambda path: tuned.read(path),
        "greedy": lambda path: greedy.read(path),
        "default": lambda path: default(str(path)),
    }
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        images = _images(Path(folder), args.images)
        for kind, paths in images.items():
            medians = _interleaved_medians(engines, paths, args.repeats)
            load = round(os.getloadavg()[0], 1)
            for name, seconds in medians.items():
                rows.append(
                    {
                        "engine": name,
                        "kind": kind,
                        "median_seconds": round(seconds, 3),
                        "load": load,
                    }
                )
                print(f"{name:8s} {kind:16s} {seconds:6.3f} s   (load average {load})", flush=True)
    by = {(row["engine"], row["kind"]): row["median_seconds"] for row in rows}
    summary = {
        kind: {
            "tuned": by[("tuned", kind)],
            "greedy": by[("greedy", kind)],
            "default": by[("default", kind)],
            "speed-up": round(by[("default", kind)] / max(by[("tuned", kind)], 1e-9), 1),
            "target": TARGETS.get(kind.replace("-12mp", "")),
            "met": by[("tuned", kind)] <= TARGETS.get(kind.replace("-12mp", ""), float("inf")),
        }
        for kind in images
    }
    offline_s = _offline_trocr_failure_seconds()
    result = {"rows": rows, "summary": summary, "trocr_missing_offline_failure_s": offline_s}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\nkind              tuned  greedy   default  speed-up  target  met")
    for kind, item in summary.items():
        print(
            f"{kind:16s} {item['tuned']:6.3f}  {item['greedy']:6.3f}  {item['default']:7.3f}"
            f"  {item['speed-up']:6.1f}x"
            f"  {item['target']:6.2f}  {'yes' if item['met'] else 'NO'}"
        )
    print(
        f"TrOCR weights missing, offline: one-sentence error after {offline_s:.2f} s (target <= 2 s)"
    )
    return result


def _offline_trocr_failure_seconds() -> float:
    """Seconds from build_engine('trocr') to its error with an empty Hugging Face cache."""
    code = (
        "import time\n"
        "from inksight.ocr import build_engine, OcrError\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    build_engine('trocr', trocr_model='microsoft/trocr-small-handwritten')\n"
        "except OcrError:\n"
        "    print(time.perf_counter() - t)\n"
    )
    with tempfile.TemporaryDirectory() as hf_home:
        env = {**os.environ, "HF_HOME": hf_home}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
    return round(float(done.stdout.strip()), 3)


if __name__ == "__main__":
    main()
