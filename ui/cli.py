"""The ``inksight`` command line: one sub-command module per capability, options generated from configs.

Each module in ``inksight.ui.commands`` (the ``ui/commands`` folder) exposes ``register(subparsers)``, which adds its sub-commands and sets
``func(args) -> int`` on each. Errors a user can fix become one sentence on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from inksight import __version__

__all__ = ["main", "build_parser"]

# One entry per file in ui/commands; the order is the order of `inksight --help`. Every one is
# imported to build the parser, so their top level is argparse and config dataclasses only: heavy
# libraries load inside the handler that uses them (tests/ui/test_cli_help.py checks it).
COMMAND_MODULES = ("train", "predict", "ocr", "embeddings", "lab", "analyze", "batch", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inksight",
        description="Handwritten movie reviews to text and sentiment, and a word-embedding lab.",
    )
    parser.add_argument("--version", action="version", version=f"inksight {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"inksight.ui.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    from inksight.pipelines.errors import USER_ERRORS, error_sentence

    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as error:
        print(f"inksight: error: {error_sentence(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inksight: interrupted; finished work is kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
