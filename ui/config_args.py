"""Generate argparse options from typed config dataclasses, so the CLI never drifts from the config.

Each dataclass field becomes ``--field-name`` with its type, default and the help text stored in
``field(metadata={"help": ...})``. Booleans become ``--flag/--no-flag`` pairs.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["add_config_arguments", "config_from_args"]

T = TypeVar("T")


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """Return (type, optional) for an annotation such as ``int``, ``Path | None`` or ``Literal``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def add_config_arguments(
    parser: argparse.ArgumentParser, config_cls: type, *, skip: tuple[str, ...] = ()
) -> None:
    """Add one option per field of ``config_cls`` to ``parser`` (defaults stay in the dataclass)."""
    hints = typing.get_type_hints(config_cls)
    group = parser.add_argument_group(f"{config_cls.__name__} options")
    for field in dataclasses.fields(config_cls):
        if field.name in skip or not field.init:
            continue
        flag = "--" + field.name.replace("_", "-")
        help_text = field.metadata.get("help", "")
        default = (
            field.default
            if field.default is not dataclasses.MISSING
            else (
                field.default_factory()
                if field.default_factory is not dataclasses.MISSING
                else None
            )
        )
        kind, _optional = _base_type(hints[field.name])
        kwargs: dict[str, Any] = {"dest": field.name, "default": argparse.SUPPRESS}
        if kind is bool:
            group.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                help=_with_default(help_text, default),
                **kwargs,
            )
            continue
        if typing.get_origin(kind) is typing.Literal:
            kwargs["choices"] = list(typing.get_args(kind))
            kwargs["type"] = type(kwargs["choices"][0])
        elif typing.get_origin(kind) in (tuple, list):
            item = typing.get_args(kind)[0]
            kwargs["type"] = item
            kwargs["nargs"] = "+"
        elif kind in (int, float, str, Path):
            kwargs["type"] = kind
        else:
            kwargs["type"] = str
        metavar = field.name.upper() if "choices" not in kwargs else None
        group.add_argument(flag, help=_with_default(help_text, default), metavar=metavar, **kwargs)


def _with_default(help_text: str, default: Any) -> str:
    """The help text and the default, unless the text already says what the default does
    ("default: the default model" reads better than "None")."""
    if "(default" in help_text:
        return help_text
    return f"{help_text} (default: {default})"


def config_from_args(config_cls: type[T], args: argparse.Namespace, **overrides: Any) -> T:
    """Build ``config_cls`` from the options the user gave; untouched fields keep their defaults."""
    names = {f.name for f in dataclasses.fields(config_cls) if f.init}
    values = {k: v for k, v in vars(args).items() if k in names}
    for key, value in list(values.items()):
        if isinstance(value, list):
            values[key] = tuple(value)
    values.update(overrides)
    return config_cls(**values)
