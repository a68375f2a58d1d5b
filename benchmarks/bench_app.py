"""The web app, measured the way a visitor and an API client meet it.

Starts `inksight demo` in a child process on a free port (the real start-up: imports, OCR engine,
sentiment model, examples, server) and measures:

* start-up to "ready" after the models exist (target <= 20 s), with the examples already rendered
  (a first start renders them once and is reported too);
* upload to result over the API with gradio_client on the shipped engine (rapidocr): the median for
  a single handwritten line (target <= 3 s) and for a page;
* 20 concurrent API requests (single lines): all answered, none dropped, p50 and p95.

The model is the default model (trained first when missing, as `inksight demo` would) or
``--model DIR``. Timings are noisy on the shared 2-core machine.

    python benchmarks/bench_app.py [--model DIR] [--repeat 7] [--quick]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_table, verdict, write_result  # noqa: E402

TARGETS = {"startup_s": 20.0, "line_median_s": 3.0}
READY = "Inksight is ready at "


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(model: str | None, timeout: float = 600.0) -> tuple[subprocess.Popen, str, float]:
    """Run `inksight demo` and wait for its address; returns (process, url, seconds to ready).
    The process's CPU seconds at that moment are kept in ``process.startup_cpu_s``."""
    command = [
        sys.executable,
        "-m",
        "inksight.ui.cli",
        "demo",
        "--port",
        str(_free_port()),
        "--ocr",
        "rapidocr",
    ]
    if model:
        command += ["--model", model]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )  # fmt: skip
    deadline = started + timeout
    for line in process.stdout:
        if line.startswith(READY):
            url = line[len(READY) :].split()[0]
            seconds = time.perf_counter() - started
            process.startup_cpu_s = _cpu_seconds(process.pid)
            # Keep reading its output so a full pipe never blocks the server.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, url, seconds
        if time.perf_counter() > deadline:
            break
    process.kill()
    raise RuntimeError(f"`inksight demo` did not start (exit code {process.poll()}).")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far: what start-up costs on an idle machine
    (it is mostly one thread), whatever else the shared machine is doing."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def timed_analysis(client, path: Path) -> tuple[float, dict]:
    from gradio_client import handle_file

    started = time.perf_counter()
    record = client.predict(handle_file(str(path)), api_name="/analyze_image")
    return time.perf_counter() - started, record


def concurrent_requests(url: str, path: Path, count: int) -> dict:
    """``count`` clients each send one upload at the same moment; latency per request."""
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(count)]

    def one(client) -> tuple[float, str | None]:
        try:
            seconds, record = timed_analysis(client, path)
        except Exception as error:  # noqa: BLE001 - a dropped request is what we count
            return float("nan"), f"{type(error).__name__}: {error}"
        return seconds, record.get("error") or (None if record.get("text") else "no text")

    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(one, clients))
    wall = time.perf_counter() - started
    latencies = sorted(s for s, problem in results if problem is None)
    answered = len(latencies)
    problems = [problem for _, problem in results if problem is not None]

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, round(q * (len(latencies) - 1)))]

    return {
        "requests": count,
        "answered": answered,
        "dropped": count - answered,
        "p50_s": round(pct(0.50), 3) if latencies else None,
        "p95_s": round(pct(0.95), 3) if latencies else None,
        "wall_s": round(wall, 3),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the default model)")
    parser.add_argument("--repeat", type=int, default=7, help="uploads per image kind")
    parser.add_argument("--concurrent", type=int, default=20, help="simultaneous API requests")
    parser.add_argument("--quick", action="store_true", help="3 uploads and 5 concurrent requests")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.concurrent = 3, 5

    from gradio_client import Client

    from inksight.pipelines.examples import examples_dir, render_examples

    if args.model is None:  # "after the models exist": train the default model first if needed
        from inksight.pipelines.train.default_model import ensure_default_model

        ensure_default_model()
    fresh = not (examples_dir() / "examples.json").is_file()
    if fresh:  # the first start renders the examples; measure it, then the usual start
        process, _, first_start = start_demo(args.model)
        stop(process)
    else:
        first_start = None
    process, url, startup = start_demo(args.model)
    try:
        client = Client(url, verbose=False)
        examples = {(e.label, e.kind): e.path for e in render_examples()}
        line, page = examples[("positive", "line")], examples[("positive", "page")]
        timed_analysis(client, line)  # warm-up: first request loads lazy bits
        line_times, page_times, texts = [], [], {}
        for _ in range(args.repeat):
            seconds, record = timed_analysis(client, line)
            line_times.append(seconds)
            texts["line"] = record["text"]
        for _ in range(args.repeat):
            seconds, record = timed_analysis(client, page)
            page_times.append(seconds)
            texts["page"] = record["text"]
        load = concurrent_requests(url, line, args.concurrent)
    finally:
        stop(process)

    result = {
        "model": args.model or "default",
        "startup_s": round(startup, 2),
        "startup_cpu_s": round(process.startup_cpu_s, 2),
        "first_startup_with_example_rendering_s": None
        if first_start is None
        else round(first_start, 2),
        "line_median_s": round(statistics.median(line_times), 3),
        "line_times_s": [round(t, 3) for t in line_times],
        "page_median_s": round(statistics.median(page_times), 3),
        "page_times_s": [round(t, 3) for t in page_times],
        "texts": texts,
        "concurrent": load,
        "targets": TARGETS,
    }
    write_result("app", result)
    rows = [
        ("start-up to ready (models exist)", f"{startup:.1f} s", "<= 20 s", verdict(startup <= 20)),
        (
            "  its CPU time (= wall time when idle)",
            f"{result['startup_cpu_s']:.1f} s",
            "report",
            "-",
        ),
        (
            "API upload->result, one line (median)",
            f"{result['line_median_s']:.2f} s",
            "<= 3 s",
            verdict(result["line_median_s"] <= 3.0),
        ),
        ("API upload->result, page (median)", f"{result['page_median_s']:.2f} s", "report", "-"),
        (
            f"{load['requests']} concurrent requests answered",
            f"{load['answered']}/{load['requests']}",
            "all",
            verdict(load["dropped"] == 0),
        ),
        ("  p50 / p95", f"{load['p50_s']} s / {load['p95_s']} s", "report", "-"),
    ]
    if first_start is not None:
        rows.insert(1, ("first start (renders examples)", f"{first_start:.1f} s", "report", "-"))
    print_table("Web app (gradio, rapidocr; noisy on a shared 2-core machine)", rows)
    return result


if __name__ == "__main__":
    main()
