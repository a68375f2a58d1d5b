"""The ``inksight`` command line: one sub-command module per capability, options generated from configs.

Each module in ``inksight.ui.commands`` (the ``ui/commands`` folder) exposes ``register(subparsers)``, which adds its sub-commands and sets
``func(args) -> int`` on each. Errors a user can fix become one sentence on stderr and exit code 2.

Every command also takes ``-q``/``-v`` (results only / more detail; see ``inksight.ui.console``)
and ``--config FILE`` (option values from TOML or YAML; see ``inksight.ui.config_file``), before
or after its name.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from inksight import __version__

__all__ = ["main", "build_parser", "parse_arguments"]

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
    _add_common_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"inksight.ui.commands.{name}").register(subparsers)
    for sub in _sub_parsers(parser):
        _add_common_options(sub)  # accepted after the command's name too
    return parser


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a sub-command's parser sets nothing unless given, so a -q before the command's
    # name survives; the values are read with getattr(args, name, default).
    group = parser.add_argument_group("output and configuration")
    loudness = group.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q", "--quiet", dest="verbosity", action="store_const", const=-1,
        default=argparse.SUPPRESS, help="print results, warnings and errors only (no progress)",
    )  # fmt: skip
    loudness.add_argument(
        "-v", "--verbose", dest="verbosity", action="store_const", const=1,
        default=argparse.SUPPRESS, help="print more detail on stderr (debug messages)",
    )  # fmt: skip
    group.add_argument(
        "--config", metavar="FILE", default=argparse.SUPPRESS,
        help="option values from a .toml or .yaml file (keys as the options, a table per "
        "command such as [analyze]); options on the command line win",
    )  # fmt: skip


def _sub_parsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub
                yield from _sub_parsers(sub)


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed, with ``--config FILE``'s values as the defaults of the chosen command."""
    from inksight.ui.config_file import apply_config, command_parsers

    # The file is read first so its values can also fill options the parser requires (--out).
    early = argparse.ArgumentParser(prog="inksight", add_help=False, allow_abbrev=False)
    early.add_argument("--config")
    found, _ = early.parse_known_args(argv)
    if found.config:
        apply_config(found.config, command_parsers(parser, argv))
    args = parser.parse_args(argv)
    if getattr(args, "verbosity", 0) < 0 and "progress" not in vars(args):
        args.progress = False  # -q: configs with a progress bar (train, batch, lab) draw none
    return args


def _log_options(args: argparse.Namespace) -> None:
    """-v: the options the command runs with, after --config (a password is not repeated)."""
    import logging

    hidden = {"func", "auth"}
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(args).items()) if k not in hidden)
    logging.getLogger("inksight").debug("options: %s", shown)


def main(argv: list[str] | None = None) -> int:
    from inksight.pipelines.errors import USER_ERRORS, error_sentence
    from inksight.ui import console

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parse_arguments(parser, argv)
        console.configure(getattr(args, "verbosity", 0))
        _log_options(args)
        return int(args.func(args) or 0)
    except USER_ERRORS as error:
        print(f"inksight: error: {error_sentence(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inksight: interrupted; finished work is kept.", file=sys.stderr)
        return 130
    finally:
        console.configure(None)


if __name__ == "__main__":
    sys.exit(main())
