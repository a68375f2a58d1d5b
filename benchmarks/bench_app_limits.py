"""The web app under hostile input: every request bounded in pages, memory, disk and time.

Starts `inksight demo` in a child process (as bench_app.py does) with rapidocr and a tiny sentiment
model trained here in seconds, in a fresh INKSIGHT_HOME (so no embedding set loads meanwhile), and
sends what issue 16 measured:

* a 300-page blank PDF (37 KB) to /analyze_image: answered or refused in <= 5 s, and the server's
  RSS afterwards within +500 MB of before; a 4-page PDF of huge pages and a 4-page TIFF of 100 MP
  pages are reported beside it;
* a batch of one good image and a zip with damaged members (bad CRC, encrypted, forged size):
  a row for the good image and one error row per bad member;
* after the batch, once its downloads are fetched: no `inksight-batch-*` folder left;
* 10 MB of typed text, through the page's own handlers (record and the shown view) and over
  /analyze_text: <= 2 s, response <= 1 MB;
* 30 text and 10 image requests at once while a 300-page PDF is being read: every one answered,
  text p95 <= 3 s.

    python benchmarks/bench_app_limits.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_table, verdict, write_result  # noqa: E402
from bench_app import READY, _free_port, stop  # noqa: E402

from inksight.ocr.synth import blank_pdf  # noqa: E402

TARGETS = {
    "blank_pdf_s": 5.0,
    "blank_pdf_rss_growth_mb": 500.0,
    "typed_10mb_s": 2.0,
    "typed_10mb_response_mb": 1.0,
    "text_p95_under_load_s": 3.0,
}


# --- inputs ---------------------------------------------------------------------------------------


def big_tiff(pages: int = 4, side: int = 10_000) -> bytes:
    """``pages`` white 100 MP pages: a few KB compressed, 300 MB each as RGB."""
    from PIL import Image

    frames = [Image.new("1", (side, side), 1) for _ in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="group4")
    return out.getvalue()


def damaged_zip(good: bytes) -> bytes:
    """One good member beside a bad CRC, an encrypted member and a forged size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside/good.png", good)
        archive.writestr("inside/crc.png", good + b"CRC!")
        archive.writestr("inside/encrypted.png", good)
        archive.writestr("inside/forged.png", good)
        archive.infolist()[-1].file_size = 10
    data = bytearray(buffer.getvalue())
    spot = data.index(b"CRC!")
    data[spot : spot + 4] = b"crc?"
    entries = [i for i in range(len(data) - 3) if data[i : i + 4] == b"PK\x01\x02"]
    data[entries[2] + 8] |= 0x1  # the encrypted member's flag in the central directory
    return bytes(data)


def train_tiny_model(folder: Path) -> Path:
    """A sentiment model trained in seconds on toy reviews (plumbing, not quality)."""
    import random

    import pandas as pd

    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    good = ["great", "wonderful", "excellent", "superb", "brilliant", "delightful"]
    bad = ["awful", "terrible", "boring", "dreadful", "dull", "worst"]
    plain = ["movie", "film", "plot", "actor", "scene", "story", "ending"]
    rng = random.Random(0)
    rows = []
    for i in range(240):
        words = rng.sample(plain, 4) + rng.sample(good if i % 2 else bad, 2)
        rng.shuffle(words)
        rows.append({"text": "The " + " ".join(words) + ".", "label": i % 2})
    data = folder / "reviews.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    out = folder / "tiny-model"
    train_main(
        TrainConfig(out=out, data=data, embed_dim=16, epochs=6, patience=6, batch_size=16,
                    lr=0.02, min_freq=1, progress=False)
    )  # fmt: skip
    return out


# --- talking to the server ------------------------------------------------------------------------


def start_demo(model: Path, options: list[str], timeout: float = 600) -> tuple:
    """`inksight demo --ocr rapidocr --model MODEL OPTIONS...` (bench_app.start_demo's way):
    (process, url, seconds to ready)."""
    import subprocess

    command = [sys.executable, "-m", "inksight.ui.cli", "demo", "--port", str(_free_port()),
               "--ocr", "rapidocr", "--model", str(model), *options]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )  # fmt: skip
    for line in process.stdout:
        if line.startswith(READY):
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, line[len(READY) :].split()[0], time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            break
    process.kill()
    raise RuntimeError(f"`inksight demo` did not start (exit code {process.poll()}).")


def upload(url: str, name: str, data: bytes) -> dict:
    import httpx

    answer = httpx.post(f"{url}/gradio_api/upload", files={"files": (name, data)}, timeout=120)
    answer.raise_for_status()
    return {"path": answer.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def call(url: str, api: str, data: list, timeout: float = 600) -> tuple[float, int, object]:
    """(seconds, response bytes, the answer's data or the error text) of one API call."""
    import httpx

    started = time.perf_counter()
    posted = httpx.post(f"{url}/gradio_api/call/{api}", json={"data": data}, timeout=timeout)
    event = posted.json()["event_id"]
    stream = httpx.get(f"{url}/gradio_api/call/{api}/{event}", timeout=timeout).text
    seconds = time.perf_counter() - started
    size = len(stream.encode())
    kind, _, body = stream.partition("\ndata: ")
    payload = json.loads(body.strip().split("\n")[0]) if body.strip() else None
    if not kind.endswith("complete"):
        return seconds, size, {"failed": payload}
    return seconds, size, payload


class RssWatch:
    """The server's resident memory now, and its peak while ``with`` runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()

    def now_mb(self) -> float:
        return self.process.memory_info().rss / 2**20

    def __enter__(self) -> RssWatch:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now_mb())
            time.sleep(0.02)


def pct(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else None


# --- the measurements -----------------------------------------------------------------------------


def big_documents(url: str, pid: int, line_png: bytes) -> dict:
    """Each big document once: seconds, the server's RSS before/peak/after, what it said."""
    call(url, "analyze_image", [upload(url, "warm.png", line_png)])  # lazy parts load first
    found = {}
    for name, data in (
        ("blank-300.pdf", blank_pdf(300)),
        ("huge-4.pdf", blank_pdf(4, (14_400, 14_400))),
        ("big-4.tif", big_tiff()),
    ):
        payload = upload(url, name, data)
        watch = RssWatch(pid)
        before = watch.now_mb()
        with watch:
            seconds, size, answer = call(url, "analyze_image", [payload])
        time.sleep(1.0)  # let the display step and the allocator settle
        record = answer[0] if isinstance(answer, list) else answer
        found[name] = {
            "file_bytes": len(data),
            "seconds": round(seconds, 2),
            "rss_before_mb": round(before),
            "rss_peak_mb": round(watch.peak),
            "rss_after_mb": round(watch.now_mb()),
            "rss_growth_mb": round(watch.now_mb() - before),
            "error": record.get("error") if isinstance(record, dict) else str(record),
            "warnings": record.get("warnings") if isinstance(record, dict) else None,
        }
    return found


def batch_with_damaged_zip(url: str, line_png: bytes) -> dict:
    import httpx

    scratch = Path(tempfile.gettempdir())
    before = {p.name for p in scratch.glob("inksight-batch-*")}
    files = [upload(url, "good.png", line_png), upload(url, "mixed.zip", damaged_zip(line_png))]
    seconds, _, answer = call(url, "batch", [files])
    table, downloads, message = answer
    rows = table["data"]
    fetched = [httpx.get(d["url"], timeout=60).status_code for d in downloads or []]
    left = sorted({p.name for p in scratch.glob("inksight-batch-*")} - before)
    return {
        "seconds": round(seconds, 2),
        "rows": [[row[0], (row[1] or "")[:40], row[4]] for row in rows],
        "good_rows": sum(1 for row in rows if not row[4] and row[1]),
        "error_rows": sum(1 for row in rows if row[4]),
        "message": message,
        "downloads_fetched": fetched,
        "work_folders_left": left,
    }


def typed_10mb(url: str, model: Path) -> dict:
    """10 MB through the page's own handlers (record + view) and over /analyze_text."""
    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.analyze import Pipeline
    from inksight.ui.web import handlers

    text = ("A wonderful film with superb acting, though the plot drags. " * 180_000)[:10_000_000]
    pipeline = Pipeline(None, load_classifier(model))
    started = time.perf_counter()
    record = handlers.analyze_typed(pipeline, text)
    view = handlers.review_view(pipeline, record)
    page_seconds = time.perf_counter() - started
    shown = json.dumps([record, view.highlights, view.text, view.status, view.details])
    seconds, size, answer = call(url, "analyze_text", [text])
    return {
        "chars": len(text),
        "handlers_s": round(page_seconds, 3),
        "handlers_response_mb": round(len(shown.encode()) / 2**20, 3),
        "api_s": round(seconds, 3),
        "api_response_mb": round(size / 2**20, 3),
        "warning": record["warnings"][0] if record["warnings"] else None,
    }


def load_during_long_pdf(url: str, line_png: bytes, texts: int = 30, images: int = 10) -> dict:
    pdf = upload(url, "blank-300.pdf", blank_pdf(300))
    image = upload(url, "line.png", line_png)
    long_read = threading.Thread(target=call, args=(url, "analyze_image", [pdf]), daemon=True)
    long_read.start()
    time.sleep(0.3)  # the long PDF is being read

    def one(kind: str) -> tuple[str, float, str | None]:
        try:
            if kind == "text":
                seconds, _, answer = call(url, "analyze_text", ["a wonderful film, superb acting"])
            else:
                seconds, _, answer = call(url, "analyze_image", [image])
        except Exception as error:  # noqa: BLE001 - a dropped request is what we count
            return kind, float("nan"), f"{type(error).__name__}: {error}"
        record = answer[0] if isinstance(answer, list) else answer
        problem = None if isinstance(record, dict) and not record.get("failed") else str(record)
        return kind, seconds, problem

    kinds = ["text"] * texts + ["image"] * images
    with ThreadPoolExecutor(len(kinds)) as pool:
        results = list(pool.map(one, kinds))
    long_read.join(timeout=120)
    text_s = [s for k, s, p in results if k == "text" and p is None]
    image_s = [s for k, s, p in results if k == "image" and p is None]
    return {
        "requests": len(kinds),
        "answered": len(text_s) + len(image_s),
        "problems": [p for _, _, p in results if p],
        "text_p50_s": round(statistics.median(text_s), 3) if text_s else None,
        "text_p95_s": round(pct(text_s, 0.95), 3) if text_s else None,
        "image_p50_s": round(statistics.median(image_s), 3) if image_s else None,
        "image_p95_s": round(pct(image_s, 0.95), 3) if image_s else None,
    }


def main(argv: list[str] | None = None) -> dict:
    # Long because it is the benchmark's script: set-up, five measurements, the table.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: a tiny one)")
    parser.add_argument(
        "--threads", type=int, default=None, help="the server's --threads (default: all cores)"
    )
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="inksight-bench-limits-"))
    os.environ["INKSIGHT_HOME"] = str(home)  # no embedding set loads while we measure
    model = Path(args.model) if args.model else train_tiny_model(home)
    from inksight.pipelines.examples import render_examples

    line_png = next(
        e.path for e in render_examples() if e.label == "positive" and e.kind == "line"
    ).read_bytes()
    options = ["--threads", str(args.threads)] if args.threads else []
    process, url, startup = start_demo(model, options)
    url = url.rstrip("/")
    try:
        documents = big_documents(url, process.pid, line_png)
        batch = batch_with_damaged_zip(url, line_png)
        typed = typed_10mb(url, model)
        load = load_during_long_pdf(url, line_png)
    finally:
        stop(process)
        shutil.rmtree(home, ignore_errors=True)  # the tiny model and the examples rendered here

    blank = documents["blank-300.pdf"]
    result = {
        "model": args.model or "tiny (trained here)",
        "server_threads": args.threads,
        "startup_s": round(startup, 2),
        "documents": documents,
        "batch": batch,
        "typed_10mb": typed,
        "load_during_long_pdf": load,
        "targets": TARGETS,
    }
    write_result("app_limits", result)
    rows = [
        ("300-page blank PDF answered", f"{blank['seconds']:.1f} s", "<= 5 s",
         verdict(blank["seconds"] <= 5.0)),
        ("  server RSS after - before", f"{blank['rss_growth_mb']:+d} MB (peak "
         f"{blank['rss_peak_mb']} MB)", "<= +500 MB", verdict(blank["rss_growth_mb"] <= 500)),
    ]  # fmt: skip
    for name in ("huge-4.pdf", "big-4.tif"):
        found = documents[name]
        rows.append(
            (f"{name} ({found['file_bytes']:,} B)", f"{found['seconds']:.1f} s, peak "
             f"{found['rss_peak_mb']} MB, after {found['rss_growth_mb']:+d} MB", "report", "-")
        )  # fmt: skip
    rows += [
        ("batch: good image + zip, 3 bad members",
         f"{batch['good_rows']} read, {batch['error_rows']} error rows", ">= 2 read, 3 errors",
         verdict(batch["good_rows"] >= 2 and batch["error_rows"] == 3)),
        ("  work folders left after downloads", str(len(batch["work_folders_left"])), "0",
         verdict(not batch["work_folders_left"] and batch["downloads_fetched"] == [200, 200])),
        ("10 MB typed, page handlers", f"{typed['handlers_s']:.2f} s, "
         f"{typed['handlers_response_mb']:.2f} MB", "<= 2 s, <= 1 MB",
         verdict(typed["handlers_s"] <= 2 and typed["handlers_response_mb"] <= 1)),
        ("10 MB typed, /analyze_text", f"{typed['api_s']:.2f} s, {typed['api_response_mb']:.2f} MB",
         "<= 2 s, <= 1 MB", verdict(typed["api_s"] <= 2 and typed["api_response_mb"] <= 1)),
        ("30 text + 10 image during a 300-page PDF", f"{load['answered']}/{load['requests']}",
         "all", verdict(load["answered"] == load["requests"])),
        ("  text p50 / p95", f"{load['text_p50_s']} s / {load['text_p95_s']} s", "p95 <= 3 s",
         verdict(load["text_p95_s"] is not None and load["text_p95_s"] <= 3.0)),
        ("  image p50 / p95", f"{load['image_p50_s']} s / {load['image_p95_s']} s", "report", "-"),
    ]  # fmt: skip
    print_table("Web app limits (rapidocr, tiny model; a shared 2-core machine)", rows)
    return result


if __name__ == "__main__":
    main()
