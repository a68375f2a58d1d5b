"""What every command shares: results on stdout and chatter on stderr (``-q``/``-v``), option
values from a ``--config`` file, and ``inksight analyze -`` reading a scan from standard input."""

from __future__ import annotations

import io
import json
from functools import partial

import pytest
from app_fakes import REVIEWS, fake_pipeline, write_scan
from batch_fakes import fake_pipeline as batch_pipeline
from demo_fakes import fake_serving
from fakes import write_scan as write_batch_scan

import inksight.pipelines.analyze
import inksight.pipelines.batch.run
from inksight.ui.cli import main


@pytest.fixture
def served(monkeypatch) -> dict:
    """What ``inksight demo`` hands the app; nothing is really served."""
    return fake_serving(monkeypatch)


@pytest.fixture
def analyze_fakes(monkeypatch, tiny_model_dir):
    """`inksight analyze` with the fake engine; remembers the config it was built from."""
    built = {}

    def from_config(config):
        built["config"] = config
        return fake_pipeline(tiny_model_dir)

    monkeypatch.setattr(inksight.pipelines.analyze.Pipeline, "from_config", from_config)
    return built


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- -q / -v --------------------------------------------------------------------------------


@pytest.fixture
def batch_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(
        inksight.pipelines.batch.run,
        "_factory",
        lambda pipeline: partial(batch_pipeline, None, delay=0.0),
    )
    for index in range(3):
        write_batch_scan(tmp_path / "scans" / f"{index}.png", index)
    return tmp_path


def test_quiet_batch_draws_no_progress_bar_and_still_prints_its_result(batch_folder, capsys):
    scans = str(batch_folder / "scans")
    code, out, err = run(capsys, ["batch", scans, "--out", str(batch_folder / "a.jsonl")])
    assert code == 0 and "analysing" in err  # the bar, on stderr
    assert "done 3" in out and "analysing" not in out

    code, out, err = run(capsys, ["-q", "batch", scans, "--out", str(batch_folder / "b.jsonl")])
    assert code == 0 and err == ""
    assert "done 3" in out

    # After the command's name too.
    code, out, err = run(capsys, ["batch", scans, "--out", str(batch_folder / "c.jsonl"), "-q"])
    assert code == 0 and err == "" and "done 3" in out


def test_quiet_and_verbose_decide_what_the_demo_says_on_stderr(
    served, analyze_fakes, tiny_model_dir, capsys
):
    demo = ["demo", "--model", str(tiny_model_dir)]
    code, out, err = run(capsys, demo)
    assert code == 0 and "Loading the OCR engine" in err and "options:" not in err
    assert out.startswith("Inksight is ready at http://127.0.0.1:7860/")

    code, out, err = run(capsys, ["-q", *demo])
    assert err == "" and out.startswith("Inksight is ready at")

    code, out, err = run(capsys, [*demo, "-v", "--auth", "ann:secret"])
    assert "Loading the OCR engine" in err and "options:" in err and "low_confidence" not in err
    assert "secret" not in err  # -v never repeats a password


def test_quiet_and_verbose_together_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["-q", "-v", "analyze", "x.png"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_folder_given_to_analyze_points_to_batch_and_the_other_files_are_read(
    analyze_fakes, tmp_path, capsys
):
    scan = write_scan(tmp_path / "review.png", 0)
    folder = tmp_path / "scans"
    folder.mkdir()

    code, out, _ = run(capsys, ["analyze", str(folder), str(scan), "--json"])

    failed, read = (json.loads(line) for line in out.splitlines())
    assert code == 1
    assert (
        failed["error"]
        == f"{folder} is a folder; `inksight batch {folder}` reads every scan in it."
    )
    assert read["text"] == REVIEWS[0]


def test_a_file_given_to_batch_points_to_analyze(tmp_path, capsys):
    scan = write_scan(tmp_path / "review.png", 0)

    code, out, err = run(capsys, ["batch", str(scan), "--out", str(tmp_path / "r.jsonl")])

    assert code == 2 and out == ""
    assert err.strip() == (
        f"inksight: error: {scan} is a file; `inksight analyze {scan}` reads one scan, "
        "batch a folder of them."
    )
    assert not (tmp_path / "r.jsonl").exists()


# --- --config FILE ---------------------------------------------------------------------------


def test_a_toml_config_fills_options_and_the_command_line_wins(analyze_fakes, tmp_path, capsys):
    scan = write_scan(tmp_path / "review.png", 0)
    config = tmp_path / "inksight.toml"
    config.write_text(
        'low-confidence = 0.3\n[analyze]\njson = true\nmax_pages = 4\n[train]\nepochs = "x"\n'
    )

    code, out, _ = run(capsys, ["--config", str(config), "analyze", str(scan)])
    assert code == 0
    assert json.loads(out)["text"] == REVIEWS[0]  # json = true from the [analyze] table
    assert analyze_fakes["config"].max_pages == 4 and analyze_fakes["config"].low_confidence == 0.3
    # ([train] is another command's table: skipped, even though its value would be wrong here.)

    argv = ["analyze", str(scan), "--config", str(config), "--max-pages", "2"]
    code, out, _ = run(capsys, argv)
    assert code == 0 and analyze_fakes["config"].max_pages == 2
    assert analyze_fakes["config"].low_confidence == 0.3


def test_a_yaml_config_fills_a_required_option_and_nested_commands(batch_folder, capsys):
    config = batch_folder / "batch.yaml"
    config.write_text(f"batch:\n  out: {batch_folder / 'from-yaml.jsonl'}\n  json: true\n")

    code, out, _ = run(
        capsys, ["-q", "--config", str(config), "batch", str(batch_folder / "scans")]
    )

    assert code == 0 and json.loads(out)["done"] == 3
    assert (batch_folder / "from-yaml.jsonl").is_file()


def test_a_config_table_for_a_sub_action_fills_lists_and_flags(tmp_path, capsys, monkeypatch):
    import inksight.pipelines.lab.run

    ran = {}
    monkeypatch.setattr(
        inksight.pipelines.lab.run, "lab_run_main", lambda config: ran.update(config=config) or {}
    )
    config = tmp_path / "lab.toml"
    config.write_text("[lab.run]\nquick = true\nseeds = [1, 2]\njson = true\n[lab.curve]\nlr = 9\n")

    code, out, _ = run(capsys, ["--config", str(config), "lab", "run", "--poolings", "max"])

    assert code == 0 and out.strip() == "{}"  # --json, from the file
    assert ran["config"].quick and ran["config"].seeds == (1, 2)
    assert ran["config"].poolings == ("max",) and ran["config"].lr == 0.0  # [lab.curve] skipped


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "[analyze]\nmax-pagez = 3\n",
            "sets 'max-pagez', which `inksight analyze` has no option for.",
        ),
        ("[analyze]\nmax_pages = 'many'\n", "'max_pages' must be a whole number, not 'many'."),
        ("[analyze]\njson = 'yes'\n", "'json' must be true or false, not 'yes'."),
        ("[analyze]\nocr = 'tesseract'\n", "'ocr' must be one of"),
        ("[analyze\n", "is not valid TOML"),
    ],
)
def test_a_bad_config_key_or_value_is_one_sentence_naming_it(tmp_path, capsys, text, sentence):
    config = tmp_path / "bad.toml"
    config.write_text(text)

    code, out, err = run(capsys, ["--config", str(config), "analyze", "x.png"])

    assert code == 2 and out == ""
    assert err.startswith(f"inksight: error: --config {config}") and sentence in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_config_file_of_another_kind_is_refused(tmp_path, capsys):
    config = tmp_path / "options.json"
    config.write_text("{}")

    code, _, err = run(capsys, ["--config", str(config), "analyze", "x.png"])

    assert code == 2 and "use a .toml, .yaml or .yml file" in err


# --- inksight analyze - -------------------------------------------------------------------------


def test_analyze_reads_one_scan_from_standard_input(analyze_fakes, tmp_path, capsys, monkeypatch):
    scan = write_scan(tmp_path / "review.png", 1)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(scan.read_bytes())))

    code, out, _ = run(capsys, ["analyze", "-", "--json"])

    record = json.loads(out)
    assert code == 0 and record["path"] == "-"
    assert record["text"] == REVIEWS[1] and record["sentiment"]["label"] == "negative"


def test_analyze_of_empty_standard_input_is_a_failed_record(analyze_fakes, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))

    code, out, _ = run(capsys, ["analyze", "-"])

    assert code == 1 and out.startswith("-: error:") and "empty" in out
