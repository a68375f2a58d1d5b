"""`--help` of every command reads cleanly (each option says its default once, never "None"), and
the quick commands start quickly: they load no model library they do not use."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lab_fixtures import write_glove

from inksight.ui.cli import build_parser

# Each costs from a tenth of a second (pandas) to a second (torch) of start-up.
HEAVY = (
    "torch",
    "gensim",
    "spacy",
    "gradio",
    "ray",
    "transformers",
    "pandas",
    "pyarrow",
    "sklearn",
)


def _commands(parser: argparse.ArgumentParser, name: str = "inksight"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _commands(sub, f"{name} {sub_name}")


def test_every_option_states_its_default_once_and_never_as_none():
    commands = dict(_commands(build_parser()))
    assert {"inksight batch", "inksight ocr eval", "inksight analyze"} <= set(commands)
    for name, parser in commands.items():
        for action in parser._actions:
            text = action.help or ""
            assert "(default: None)" not in text, f"{name} {action.option_strings}: {text}"
            defaults = len(re.findall(r"\(default", text))
            assert defaults <= 1, f"{name} {action.option_strings} says its default twice: {text}"


def _run_cli(argv: list[str], home: Path) -> tuple[str, list[str]]:
    """Run ``inksight ARGV`` in a fresh interpreter; its output and the heavy libraries it loaded."""
    code = (
        "import json, sys\n"
        "from inksight.ui.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"loaded = {{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})\n"
        "print('LOADED', json.dumps(sorted(loaded)))\n"
    )
    env = {**os.environ, "INKSIGHT_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out, _, loaded = done.stdout.rpartition("LOADED ")
    return out, json.loads(loaded)


def test_help_loads_no_model_library(tmp_path: Path) -> None:
    out, loaded = _run_cli(["--help"], tmp_path)
    assert "neighbours" in out and "train" in out
    assert loaded == []


@pytest.mark.parametrize(
    ("argv", "answer"),
    [
        (["neighbours", "apple", "--vectors", "glove", "--topn", "1", "--json"], "pear"),
        (["similarity", "good", "great", "--vectors", "glove", "--json"], 0.9),
    ],
)
def test_a_glove_lookup_loads_no_model_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], answer: object
) -> None:
    import inksight.pipelines.embeddings.sets as sources

    # Build the GloVe cache from a tiny file here; the command then opens it like the real one.
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    glove = write_glove(tmp_path / "glove.txt")
    monkeypatch.setattr(sources, "glove_path", lambda name="glove-6b-50d", **_: glove)
    sources.glove_vectors()
    out, loaded = _run_cli(argv, tmp_path)
    data = json.loads(out)
    if argv[0] == "neighbours":
        assert data["neighbours"][0]["word"] == answer
    else:
        assert data["cosine"] > answer
    assert loaded == []
