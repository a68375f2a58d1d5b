"""``inksight --config FILE``: option values from a TOML or YAML file.

The keys are the command's long options without the dashes (``trocr-model`` or ``trocr_model``);
a table named after a command holds that command's keys (``[analyze]``, ``[lab.run]``) and tables
for other commands are skipped, so one file can serve several commands. Keys outside any table
apply to the command being run. The values become the parser's defaults, so an option given on
the command line always wins. An unknown key or a value of the wrong type is one sentence that
names it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inksight.pipelines.errors import PipelineError

__all__ = ["read_config_file", "command_parsers", "apply_config"]

_NOT_OPTIONS = {"help", "version", "config"}
_SKIP = object()


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The file's top-level mapping (TOML by ``.toml``, YAML by ``.yaml``/``.yml``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise PipelineError(f"--config {path}: use a .toml, .yaml or .yml file.")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PipelineError(f"--config {path} cannot be read ({error.strerror}).") from error
    try:
        if suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text) or {}
    except Exception as error:  # noqa: BLE001 - tomllib and yaml raise their own kinds
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PipelineError(
            f"--config {path} is not valid {suffix[1:].upper()}: {first}."
        ) from error
    if not isinstance(data, dict):
        raise PipelineError(
            f"--config {path} must hold keys and values, not a {type(data).__name__}."
        )
    return data


def command_parsers(
    parser: argparse.ArgumentParser, argv: list[str]
) -> list[tuple[str, argparse.ArgumentParser]]:
    """The (name, parser) chain ``argv`` selects, from the top: [("", top), ("lab", ...), ("run", ...)]."""
    chain = [("", parser)]
    for token in argv:
        choices = _subcommands(chain[-1][1])
        if token in choices:
            chain.append((token, choices[token]))
    return chain


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def apply_config(path: str | Path, chain: list[tuple[str, argparse.ArgumentParser]]) -> None:
    """Make the file's values the defaults of the command ``chain`` ends with."""
    data = read_config_file(path)
    names = [name for name, _ in chain[1:]]
    command = "inksight " + " ".join(names)
    values: dict[str, Any] = {}
    level = data
    for depth in range(len(chain)):
        sections = _subcommands(chain[depth][1])
        for key, value in level.items():
            if isinstance(value, dict) and key in sections:
                continue  # a command's own table: this command's is read below, others skipped
            values[key] = value  # deeper tables overwrite outer keys
        following = names[depth] if depth < len(names) else None
        level = level.get(following, {}) if following else {}
        if not isinstance(level, dict):
            raise PipelineError(f"--config {path}: '{following}' must be a table of options.")
    leaf = chain[-1][1]
    defaults = {}
    for key, value in values.items():
        action = _action_for(leaf, key)
        if action is None:
            raise PipelineError(
                f"--config {path} sets '{key}', which `{command}` has no option for."
            )
        converted = _convert(action, key, value, path)
        if converted is not _SKIP:
            defaults[action.dest] = converted
            action.required = False  # argparse asks for a required option even with a default
    leaf.set_defaults(**defaults)


def _action_for(parser: argparse.ArgumentParser, key: str) -> argparse.Action | None:
    name = str(key).strip().replace("_", "-")
    action = parser._option_string_actions.get(f"--{name}")
    if action is None or action.dest in _NOT_OPTIONS or not action.option_strings:
        return None
    return action


def _convert(action: argparse.Action, key: str, value: Any, path: str | Path) -> Any:
    """``value`` as the option would have parsed it; a wrong type is one sentence naming ``key``."""

    def wrong(expected: str) -> PipelineError:
        return PipelineError(f"--config {path}: '{key}' must be {expected}, not {value!r}.")

    if action.nargs == 0:  # a flag: --json, --share, --freeze/--no-freeze
        if not isinstance(value, bool):
            raise wrong("true or false")
        if isinstance(action, argparse.BooleanOptionalAction):
            return value
        return action.const if value else _SKIP  # `json = false`: as if the flag were not given
    if action.nargs in ("+", "*"):
        items = value if isinstance(value, list) else [value]
        if not items and action.nargs == "+":
            raise wrong("a list of at least one value")
        return [_scalar(action, item, wrong) for item in items]
    if isinstance(value, list | dict):
        raise wrong("a single value")
    return _scalar(action, value, wrong)


def _scalar(action: argparse.Action, value: Any, wrong) -> Any:
    kind = action.type or str
    if isinstance(value, bool | list | dict):
        raise wrong(_expected(kind))
    if kind is int and isinstance(value, float):
        raise wrong("a whole number")
    if kind in (str, Path) and not isinstance(value, str):
        raise wrong("a string")
    try:
        converted = kind(value)
    except (TypeError, ValueError) as error:
        raise wrong(_expected(kind)) from error
    if action.choices is not None and converted not in action.choices:
        raise wrong("one of " + ", ".join(map(str, action.choices)))
    return converted


def _expected(kind: Any) -> str:
    return {int: "a whole number", float: "a number", str: "a string", Path: "a path"}.get(
        kind, "a value the option accepts"
    )
