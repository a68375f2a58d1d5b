"""Installed, Inksight is one import name: ``inksight`` and its four parts, nothing generic."""

from __future__ import annotations

import subprocess
import sys

import inksight


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
