"""`--help` of every command reads cleanly: each option says its default once, never "None"."""

from __future__ import annotations

import argparse
import re

from inksight.ui.cli import build_parser


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
