"""`inksight batch`: one record per file, exactly once through kill -9, the same in every format.

Plumbing tests use a fake OCR engine (``batch_fakes``) behind the real image reader and the tiny
sentiment model, so they run in seconds; one test runs the real rapidocr engine in two workers.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from batch_fakes import FakeEngine, fake_pipeline, write_scan
from PIL import Image

from inksight.nlp.classifier import load_classifier
from inksight.ocr.synth import EXAMPLE_REVIEWS
from inksight.pipelines.analyze import Pipeline, PipelineConfig
from inksight.pipelines.batch.inputs import find_inputs
from inksight.pipelines.batch.journal import Journal
from inksight.pipelines.batch.outputs import read_records
from inksight.pipelines.batch.run import BatchConfig, run_batch
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.record import ROW_COLUMNS
from inksight.ui.cli import main

REPO = Path(__file__).resolve().parents[2]
RECORD_KEYS = {"path", "text", "lines", "sentiment", "engine", "seconds", "warnings", "error"}


@pytest.fixture()
def factory(tiny_model_dir):
    return partial(fake_pipeline, str(tiny_model_dir))


def batch(folder: Path, out: Path, factory, **options):
    return run_batch(BatchConfig(folder, out, progress=False, **options), factory)


def without_timing(records: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k != "seconds"} for r in records), key=str)


def test_finds_scans_recursively_in_a_fixed_order_skipping_hidden_and_system_files(tmp_path):
    for name in ["b/2.png", "a.png", "A/x.JPG", "docs/r.pdf", ".hidden.png", ".git/x.png",
                 "__MACOSX/._a.png", "Thumbs.db", "desktop.ini", "notes.txt"]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "b" / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop

    found, ignored = find_inputs(tmp_path)

    assert found == ["A/x.JPG", "a.png", "b/2.png", "docs/r.pdf"]
    assert ignored == 1  # notes.txt; system files are not even counted


def test_each_file_gets_one_documented_record_and_a_rerun_only_does_new_files(tmp_path, factory):
    folder, out = tmp_path / "scans", tmp_path / "results.jsonl"
    for review in range(6):
        write_scan(folder / ("deep/er" if review % 2 else "") / f"review-{review}.png", review)
    write_scan(folder / "blank.png", 12)

    seen = []
    summary = run_batch(
        BatchConfig(folder, out, progress=False), factory, lambda *call: seen.append(call)
    )

    assert (summary.found, summary.done, summary.failed, summary.skipped) == (7, 7, 0, 0)
    assert [(done, total) for _, done, total in seen] == [(n, 7) for n in range(1, 8)]
    records = {r["path"]: r for r in read_records(out)}
    assert sorted(records) == find_inputs(folder)[0]
    assert all(set(r) == RECORD_KEYS for r in records.values())
    first = records["review-0.png"]
    assert first["text"] == EXAMPLE_REVIEWS[0][0] and first["engine"] == "fake"
    assert first["sentiment"]["label"] == "positive"
    assert records["deep/er/review-5.png"]["sentiment"]["label"] == "negative"
    assert records["blank.png"]["sentiment"] is None
    assert records["blank.png"]["error"] is None and records["blank.png"]["warnings"]
    assert summary.images_per_minute > 0

    write_scan(folder / "later.png", 2)
    again = batch(folder, out, factory)
    assert (again.done, again.skipped) == (1, 7)
    assert len(read_records(out)) == 8

    fresh = batch(folder, out, factory, force=True)
    assert (fresh.done, fresh.skipped) == (8, 0) and len(read_records(out)) == 8


KILLABLE_BATCH = """
import sys
from functools import partial
sys.path[:0] = [{tests!r}]
from batch_fakes import fake_pipeline
from inksight.pipelines.batch.run import BatchConfig, run_batch
if __name__ == "__main__":
    folder, out = sys.argv[1:3]
    run_batch(BatchConfig(folder, out, progress=False), partial(fake_pipeline, None, delay=0.05))
"""


def test_kill_nine_three_times_then_resume_records_every_file_exactly_once(tmp_path):
    folder, out = tmp_path / "scans", tmp_path / "results.jsonl"
    for index in range(30):
        write_scan(folder / f"scan-{index:02d}.png", index % 12)
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE_BATCH.format(tests=str(REPO / "tests")))
    command = [sys.executable, str(script), str(folder), str(out)]

    def lines() -> int:
        return out.read_bytes().count(b"\n") if out.exists() else 0

    for kill_after in (3, 10, 18):
        before = lines()
        process = subprocess.Popen(command)
        deadline = time.monotonic() + 120
        while lines() < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert lines() > before, "the batch made no progress before it was killed"
        assert lines() < 30, "the batch finished before it could be killed"
    with open(out, "ab") as journal:  # a crash in the middle of writing a line
        journal.write(b'{"path": "scan-2')

    subprocess.run(command, check=True, timeout=120)

    raw = out.read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.decode().splitlines()]  # no corrupt line
    paths = [r["path"] for r in records]
    assert sorted(paths) == [f"scan-{i:02d}.png" for i in range(30)]  # each exactly once
    assert all(r["error"] is None for r in records)


def test_csv_and_parquet_hold_the_same_records_as_the_journal(tmp_path, factory):
    folder = tmp_path / "scans"
    for review in (0, 5, 12):
        write_scan(folder / f"r{review}.png", review)
    (folder / "broken.jpg").write_text("not a photo")

    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"results{suffix}"
        summary = batch(folder, out, factory)
        journal = tmp_path / f"results{suffix}.journal.jsonl"
        assert summary.outputs == [str(out), str(journal)]
        expected = read_records(journal)
        assert len(expected) == 4 and any(r["error"] for r in expected)
        assert read_records(out) == expected

    header = (tmp_path / "results.csv").read_text().splitlines()[0]
    assert header.split(",") == list(ROW_COLUMNS)


@pytest.mark.real_assets
def test_two_workers_give_the_same_records_as_one(tmp_path, tiny_model_dir, capsys):
    from inksight.ocr.fonts import find_fonts, select_fonts
    from inksight.ocr.synth import render_text
    from inksight.pipelines.assets import font_dirs

    fonts = select_fonts(find_fonts(font_dirs()), ["caveat", "kalam"])
    if not fonts:
        pytest.skip("handwriting fonts are not installed: run scripts/install_fonts.sh")
    folder = tmp_path / "scans"
    folder.mkdir()
    for index, (name, path) in enumerate(sorted(fonts.items()) * 2):
        text = EXAMPLE_REVIEWS[index * 3 % len(EXAMPLE_REVIEWS)][0]
        render_text(text, name, path, kind="line", seed=index).image.save(folder / f"{index}.png")
    (folder / "empty.png").write_bytes(b"")

    one = tmp_path / "one.csv"
    options = ["--ocr", "rapidocr", "--model", str(tiny_model_dir), "--no-progress", "--json"]
    assert main(["batch", str(folder), "--out", str(one), *options]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["done"], summary["failed"]) == (len(fonts) * 2 + 1, 1)

    two = tmp_path / "two.jsonl"
    config = PipelineConfig(ocr="rapidocr", model=tiny_model_dir)
    assert run_batch(BatchConfig(folder, two, workers=2, progress=False), config).done == 5

    records = read_records(two)
    assert without_timing(records) == without_timing(read_records(one))
    assert sum(r["sentiment"] is not None for r in records) == len(fonts) * 2


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG file that claims to be ``width`` x ``height`` (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(100)))


class VanishingEngine(FakeEngine):
    """Deletes another scan while reading the first: a file vanishing mid-run."""

    def __init__(self, victim: Path) -> None:
        super().__init__()
        self.victim = victim

    def read(self, image):
        self.victim.unlink(missing_ok=True)
        return super().read(image)


def test_bad_files_become_error_records_and_the_batch_goes_on(tmp_path, tiny_model_dir):
    folder = tmp_path / "scans"
    write_scan(folder / "a-good.png", 0)
    (folder / "zero-bytes.png").write_bytes(b"")
    (folder / "text.jpg").write_text("a text file named like a photo")
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 300, 3), np.uint8))
    noisy.save(folder / "whole.png")
    data = (folder / "whole.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "whole.png").unlink()
    (folder / "huge.png").write_bytes(_png_header(30_000, 30_000))
    (folder / "loop.png").symlink_to(folder / "loop.png")
    os.mkfifo(folder / "pipe.png")
    write_scan(folder / "z-vanishes.png", 1)
    locked = write_scan(folder / "locked.png", 1)
    locked.chmod(0)
    expected = {
        "zero-bytes.png": "empty (0 bytes)",
        "text.jpg": "not an image",
        "truncated.png": "truncated or corrupt",
        "huge.png": "pixels",
        "loop.png": "does not exist or is not a file",
        "pipe.png": "does not exist or is not a file",
        "z-vanishes.png": "does not exist",
    }
    if os.geteuid() != 0:  # root reads any file
        expected["locked.png"] = "permission denied"
    classifier = load_classifier(tiny_model_dir)

    def make_pipeline() -> Pipeline:
        return Pipeline(VanishingEngine(folder / "z-vanishes.png"), classifier)

    summary = batch(folder, tmp_path / "results.jsonl", make_pipeline)

    records = {r["path"]: r for r in read_records(tmp_path / "results.jsonl")}
    assert summary.found == summary.done == len(records) == 9
    assert records["a-good.png"]["sentiment"]["label"] == "positive"
    for name, words in expected.items():
        assert words in (records[name]["error"] or ""), (name, records[name]["error"])
    assert summary.failed == len(expected)


def test_bad_requests_are_refused_with_one_clear_sentence(tmp_path, factory, capsys):
    folder, other = tmp_path / "scans", tmp_path / "other"
    write_scan(folder / "one.png", 0)
    write_scan(other / "two.png", 1)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no scans here")

    def cli_error(*args: str) -> str:
        assert main(["batch", *args, "--model", str(tmp_path / "unused")]) == 2
        return capsys.readouterr().err

    assert "does not exist" in cli_error(str(tmp_path / "nope"), "--out", "r.jsonl")
    assert "create" in cli_error(str(folder), "--out", str(tmp_path / "no" / "r.jsonl"))
    assert "unknown extension" in cli_error(str(folder), "--out", str(tmp_path / "r.xlsx"))
    message = cli_error(str(tmp_path / "empty"), "--out", str(tmp_path / "r.jsonl"))
    assert message.startswith("inksight: error: ") and "holds no images" in message
    assert "Traceback" not in message

    out = tmp_path / "results.csv"
    batch(folder, out, factory)
    with pytest.raises(PipelineError, match="holds results for .*--force"):
        batch(other, out, factory)
    assert batch(other, out, factory, force=True).done == 1
    assert [r["path"] for r in read_records(out)] == ["two.png"]

    foreign = tmp_path / "somebody-elses.jsonl"
    foreign.write_text('{"not": "ours"}\n')
    with pytest.raises(PipelineError, match="was not written by this batch"):
        batch(folder, foreign, factory)

    with Journal(tmp_path / "locked.jsonl"), pytest.raises(PipelineError, match="another"):
        Journal(tmp_path / "locked.jsonl")


# --- one output, one batch at a time -----------------------------------------------------------
FAKE_BATCH = [sys.executable, str(REPO / "tests" / "batch_fakes.py")]  # the real CLI, fake models
BUSY = "inksight: error: another inksight batch is writing"


def fake_batch(delay: float, folder: Path, out: Path, *flags: str) -> list[str]:
    return [*FAKE_BATCH, str(delay), str(folder), "--out", str(out), *flags]


def recorded_from(out: Path, folder: Path) -> int:
    """How many files of ``folder`` (named after it) the output holds, torn last line or not."""
    return out.read_bytes().count(f'"path": "{folder.name}-'.encode()) if out.exists() else 0


def started(command: list[str], out: Path, folder: Path) -> subprocess.Popen:
    """A batch of ``folder`` running in the background, once it has recorded two files."""
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 120
    while recorded_from(out, folder) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.01)
    assert process.poll() is None, "the batch ended before the test could run beside it"
    return process


def refused(command: list[str]) -> str:
    """Run a batch that must be refused: exit 2 and one sentence, no traceback."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def recorded(out: Path) -> list[str]:
    return sorted(record["path"] for record in read_records(out))


def scans(folder: Path, count: int, prefix: str) -> list[str]:
    for index in range(count):
        write_scan(folder / f"{prefix}-{index:02d}.png", index % 12)
    return [f"{prefix}-{index:02d}.png" for index in range(count)]


def test_a_second_batch_on_the_same_output_is_refused_while_the_first_runs_even_with_force(
    tmp_path,
):
    a_files = scans(tmp_path / "a", 24, "a")
    scans(tmp_path / "b", 3, "b")
    out = tmp_path / "results.jsonl"
    first = started(fake_batch(0.25, tmp_path / "a", out), out, tmp_path / "a")

    for flags in ([], ["--force"]):
        message = refused(fake_batch(0, tmp_path / "b", out, *flags))
        assert message.startswith(BUSY), message
    assert first.poll() is None, "the first batch ended before the second one was tried"

    assert first.wait(timeout=120) == 0
    assert recorded(out) == a_files  # nothing of the first batch was lost


def test_kill_nine_and_restart_both_batches_every_file_recorded_exactly_once(tmp_path):
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "results.jsonl"
    a_files, b_files = scans(a, 24, "a"), scans(b, 5, "b")

    first = started(fake_batch(0.25, a, out), out, a)
    assert refused(fake_batch(0, b, out, "--force")).startswith(BUSY)
    first.send_signal(signal.SIGKILL)
    first.wait()

    # The first batch is gone: --force may now start over with the other folder.
    subprocess.run(fake_batch(0, b, out, "--force"), check=True, timeout=120)
    assert recorded(out) == b_files
    # The first folder again, without --force: the output is the other folder's now.
    assert "holds results for" in refused(fake_batch(0, a, out))
    assert recorded(out) == b_files

    again = started(fake_batch(0.25, a, out, "--force"), out, a)
    assert refused(fake_batch(0, b, out)).startswith(BUSY)
    again.send_signal(signal.SIGKILL)
    again.wait()
    assert 0 < recorded_from(out, a) < len(a_files)
    subprocess.run(fake_batch(0, a, out), check=True, timeout=120)  # resumes

    assert recorded(out) == a_files  # each file exactly once, nothing of the other folder


def test_retry_failed_runs_only_the_failed_files_again_and_the_export_shows_it(
    tmp_path, monkeypatch, capsys
):
    import inksight.pipelines.batch.run as run

    folder, out = tmp_path / "scans", tmp_path / "results.csv"
    write_scan(folder / "a.png", 0)
    write_scan(folder / "b.png", 5)
    (folder / "broken.jpg").write_text("a text file named like a photo")
    (folder / "gone.png").write_bytes(b"")
    monkeypatch.setattr(run, "_factory", lambda pipeline: partial(fake_pipeline, None))

    def cli(*flags: str) -> int:
        return main(["batch", str(folder), "--out", str(out), "--no-progress", *flags])

    assert cli() == 0
    before = {r["path"]: r for r in read_records(out)}
    assert [p for p, r in before.items() if r["error"]] == ["broken.jpg", "gone.png"]
    write_scan(folder / "broken.jpg", 3)  # the user replaces the broken file...
    (folder / "gone.png").unlink()  # ...and deletes the empty one
    assert cli() == 0 and "nothing to do" in capsys.readouterr().out  # no retry unless asked

    assert cli("--retry-failed") == 0

    assert "done 1 (failed 0, 1 of them failed before)" in capsys.readouterr().out
    after = {r["path"]: r for r in read_records(out)}
    assert read_records(out) == read_records(tmp_path / "results.csv.journal.jsonl")
    assert sorted(after) == ["a.png", "b.png", "broken.jpg", "gone.png"]  # each once
    assert after["broken.jpg"]["error"] is None and after["broken.jpg"]["sentiment"]
    assert after["a.png"] == before["a.png"] and after["b.png"] == before["b.png"]  # not re-run
    assert after["gone.png"] == before["gone.png"]  # nothing to run again: the record stays
    assert cli("--retry-failed", "--force") == 2
    assert "nothing to retry" in capsys.readouterr().err


def test_the_web_download_and_the_batch_csv_are_the_same_table(tmp_path):
    from inksight.pipelines.batch.outputs import journal_results
    from inksight.ui.web import handlers

    folder, out = tmp_path / "scans", tmp_path / "batch.csv"
    for review in (0, 5, 12):
        write_scan(folder / f"r{review}.png", review)
    (folder / "broken.jpg").write_text("not a photo")
    make_pipeline = partial(fake_pipeline, None)
    batch(folder, out, make_pipeline)
    journal = tmp_path / "batch.csv.journal.jsonl"

    # The batch's records through the web's download writer: the very same files.
    table, jsonl = map(Path, handlers._write_downloads(list(journal_results(journal)), tmp_path))
    assert table.read_bytes() == out.read_bytes()
    assert jsonl.read_bytes() == journal.read_bytes()

    # The web's own batch of the same files: the same columns and rows, timings aside.
    outcome = handlers.run_batch(make_pipeline(), sorted(folder.iterdir()), work_dir=tmp_path / "w")
    web_table = Path(outcome.downloads[0])
    assert web_table.read_text().splitlines()[0] == out.read_text().splitlines()[0]
    assert without_timing(read_records(web_table)) == without_timing(read_records(out))
