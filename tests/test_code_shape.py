"""Functions read top to bottom: none in the packages is longer than 60 lines unless it says why.

A function or method counts from its ``def`` to its last line (docstring and comments included). One
that must stay long carries a comment containing ``Long because`` in its first 5 lines, saying why.
"""

from __future__ import annotations

import ast
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ocr", "nlp", "pipelines", "ui", "inksight")
MAX_LINES = 60
MARKER = "Long because"
MARKER_WINDOW = 5  # the marker sits in the signature or the first lines of the body


def long_functions(path: Path, max_lines: int = MAX_LINES) -> list[tuple[int, str, int]]:
    """``(line, name, length)`` of each function in ``path`` longer than ``max_lines``.

    Nested functions and methods count on their own, named ``Outer.inner``. A function with a
    comment containing ``MARKER`` in its first ``MARKER_WINDOW`` lines is left out.
    """
    source = path.read_text(encoding="utf-8")
    with path.open("rb") as file:  # real comments only, not a '#' inside a string
        comments = {
            token.start[0]: token.string
            for token in tokenize.tokenize(file.readline)
            if token.type == tokenize.COMMENT
        }
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = f"{prefix}{getattr(child, 'name', '')}"
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                length = child.end_lineno - child.lineno + 1
                head = range(child.lineno, child.lineno + MARKER_WINDOW)
                marked = any(MARKER in comments.get(line, "") for line in head)
                if length > max_lines and not marked:
                    found.append((child.lineno, name, length))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source, filename=str(path)), "")
    return found


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def test_no_function_in_the_packages_is_longer_than_60_lines_without_saying_why() -> None:
    assert _modules(), f"no modules found under {ROOT}"
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in _modules()
        for line, name, length in long_functions(path)
    ]
    assert not offenders, (
        f"{len(offenders)} function(s) over {MAX_LINES} lines: split them into steps, or put a "
        f"'# {MARKER} ...' comment in their first {MARKER_WINDOW} lines:\n" + "\n".join(offenders)
    )


def _function(name: str, length: int, first_line: str = "") -> str:
    """Source of a function ``length`` lines long (``def`` included)."""
    body = [f"    {first_line}"] if first_line else []
    body += [f"    x{i} = {i}" for i in range(length - 1 - len(body))]
    return "\n".join([f"def {name}():", *body]) + "\n"


def test_a_planted_61_line_function_is_caught_and_60_lines_are_not(tmp_path: Path) -> None:
    module = tmp_path / "planted.py"
    module.write_text(_function("just_right", 60) + "\n\n" + _function("too_long", 61))
    assert long_functions(module) == [(63, "too_long", 61)]


def test_methods_and_nested_functions_are_named_by_where_they_live(tmp_path: Path) -> None:
    def indented(source: str) -> str:
        return "\n".join("    " + line for line in source.splitlines()) + "\n"

    module = tmp_path / "planted.py"
    module.write_text(
        "class Reader:\n"
        + indented(_function("method", 70))
        + "def outer():  # Long because it only holds its handler; the handler is not excused\n"
        + indented(_function("handler", 65))
    )
    assert long_functions(module) == [(2, "Reader.method", 70), (73, "outer.handler", 65)]


@pytest.mark.parametrize(
    ("first_line", "excused"),
    [
        ("# Long because the table of cases reads best in one place.", True),
        ("x = '# Long because'  # the marker in a string, not in a comment", False),
        ("# long because (the marker is case-sensitive)", False),
    ],
)
def test_only_a_long_because_comment_excuses_a_long_function(
    tmp_path: Path, first_line: str, excused: bool
) -> None:
    module = tmp_path / "planted.py"
    module.write_text(_function("long_on_purpose", 80, first_line))
    assert (long_functions(module) == []) is excused
