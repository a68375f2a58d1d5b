"""The web app's built-in examples: short reviews written by hand (synthetically), rendered once.

Four images cover what a visitor should try first: a positive and a negative review on one line,
and a positive and a negative review on a page (one of them photographed). They are rendered by
``inksight.ocr.synth`` into ``cache_dir()/examples`` with a small ``examples.json`` beside them; a later call
reuses them unless the recipe below changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from inksight.ocr.synth import EXAMPLE_REVIEWS, render_text
from inksight.pipelines.assets import cache_dir
from inksight.pipelines.errors import AssetError
from inksight.pipelines.ocr_jobs import resolve_fonts

__all__ = ["ExampleImage", "EXAMPLES", "examples_dir", "render_examples"]

_POSITIVE = [text for text, label in EXAMPLE_REVIEWS if label == "pos"]
_NEGATIVE = [text for text, label in EXAMPLE_REVIEWS if label == "neg"]
# (file stem, text, label, kind, style); legible tuning fonts so the examples read well.
EXAMPLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("positive-line", _POSITIVE[0], "positive", "line", "clean"),
    ("negative-line", _NEGATIVE[0], "negative", "line", "clean"),
    ("positive-page", " ".join(_POSITIVE[1:3]), "positive", "page", "clean"),
    ("negative-page", " ".join(_NEGATIVE[1:3]), "negative", "page", "photo"),
)
_FONTS = ("caveat", "patrick-hand", "indie-flower", "architects-daughter")
_MANIFEST = "examples.json"


@dataclass(frozen=True)
class ExampleImage:
    """One rendered example: the image file, what is written on it and the label it should get."""

    path: Path
    text: str
    label: str
    kind: str
    style: str
    font: str

    def to_dict(self) -> dict:
        return {**asdict(self), "path": str(self.path)}


def examples_dir() -> Path:
    """Where the examples are rendered (``cache_dir()/examples``)."""
    return cache_dir() / "examples"


def render_examples(folder: str | Path | None = None, *, force: bool = False) -> list[ExampleImage]:
    """Render the built-in examples into ``folder`` (default ``examples_dir()``), or reuse them.

    Raises:
        AssetError: no handwriting font is installed (``scripts/install_fonts.sh`` installs them).
    """
    folder = Path(folder) if folder else examples_dir()
    recipe = _recipe_key()
    manifest = folder / _MANIFEST
    if not force and manifest.is_file():
        cached = _read_manifest(manifest, folder, recipe)
        if cached:
            return cached
    fonts = resolve_fonts(_FONTS)
    names = [name for name in _FONTS if name in fonts]
    if not names:
        raise AssetError(
            "no handwriting font to render the examples; run scripts/install_fonts.sh."
        )
    folder.mkdir(parents=True, exist_ok=True)
    examples = []
    for index, (stem, text, label, kind, style) in enumerate(EXAMPLES):
        font = names[index % len(names)]
        sample = render_text(text, font, fonts[font], kind=kind, style=style, seed=index)
        path = folder / f"{stem}.{'jpg' if style == 'photo' else 'png'}"
        sample.image.save(path, **({"quality": 90} if style == "photo" else {}))
        examples.append(ExampleImage(path, sample.text, label, kind, style, font))
    records = [{**e.to_dict(), "path": e.path.name} for e in examples]
    manifest.write_text(json.dumps({"recipe": recipe, "examples": records}, indent=2) + "\n")
    return examples


def _recipe_key() -> str:
    return hashlib.sha256(json.dumps([EXAMPLES, _FONTS]).encode()).hexdigest()[:12]


def _read_manifest(manifest: Path, folder: Path, recipe: str) -> list[ExampleImage] | None:
    """The cached examples, or None when the manifest is stale, damaged or an image is missing."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("recipe") != recipe:
            return None
        examples = [ExampleImage(**{**r, "path": folder / r["path"]}) for r in data["examples"]]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    return examples if all(e.path.is_file() for e in examples) else None
