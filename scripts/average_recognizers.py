"""Average two ONNX recognisers fine-tuned from the same start into one (a weight soup).

Made for the mean of the plain handwriting recipe and the one with pointed-pen lines
(``train_handwriting_recognizer.py --pointed 2400``): each alone reads some development sets
worse than the other, their mean reads them better than either's worst and the held-out
benchmark better: it is the shipped recogniser (docs/ocr-benchmark.md, "Two fine-tunings
averaged" and "The averaged recogniser again"). Two models trained on upright lines
(``--upright``) average too; an upright one with one that reads lines as written does not. Both models are exported the same way from
the same graph, so their weights line up name by name. Fine-tuning froze BatchNorm's statistics,
so the BatchNorm the export folds into each convolution is the same linear map in both, and
averaging the folded weights is averaging the trained ones. It costs nothing when reading: the
graph and its size are unchanged.

    python scripts/train_handwriting_recognizer.py --out /tmp/rec/plain.onnx
    python scripts/train_handwriting_recognizer.py --pointed 2400 --out /tmp/rec/pointed.onnx
    python scripts/average_recognizers.py /tmp/rec/plain.onnx /tmp/rec/pointed.onnx --out /tmp/rec/mean.onnx
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from inksight.ocr.engines.rapidocr import UPRIGHT_KEY


class MismatchError(ValueError):
    """The two models are not two trainings of one graph."""


def average_recognizers(first: Path, second: Path, out: Path, weight: float = 0.5) -> dict:
    """Write ``first``'s graph with every float weight set to ``(1 - weight) * first +
    weight * second``; its metadata (the characters) is ``first``'s. Returns counts."""
    model, other = onnx.load(str(first)), onnx.load(str(second))
    views = [_trained_upright(m) for m in (model, other)]
    if views[0] != views[1]:  # one reads lines deslanted, the other as written
        raise MismatchError(
            f"{first if views[0] else second} was trained on upright lines and the other was not."
        )
    theirs = {tensor.name: numpy_helper.to_array(tensor) for tensor in other.graph.initializer}
    if len(theirs) != len(model.graph.initializer):
        raise MismatchError(f"{first} and {second} do not have the same weights.")
    averaged = 0
    for index, tensor in enumerate(model.graph.initializer):
        mine, their = numpy_helper.to_array(tensor), theirs.get(tensor.name)
        if their is None or their.shape != mine.shape or their.dtype != mine.dtype:
            raise MismatchError(f"{first} and {second} differ in their weight {tensor.name!r}.")
        if np.array_equal(mine, their):
            continue
        if mine.dtype.kind != "f":  # shapes and indices are part of the graph, never trained
            raise MismatchError(f"{first} and {second} differ in the constant {tensor.name!r}.")
        mean = ((1.0 - weight) * mine + weight * their).astype(mine.dtype)
        model.graph.initializer[index].CopyFrom(numpy_helper.from_array(mean, tensor.name))
        averaged += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return {"averaged": averaged, "kept": len(theirs) - averaged, "weight": weight, "out": str(out)}


def _trained_upright(model: onnx.ModelProto) -> bool:
    return any(p.key == UPRIGHT_KEY and p.value == "1" for p in model.metadata_props)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--weight", type=float, default=0.5, help="the second model's share")
    # Required: the average is not the shipped model, so it never overwrites it by default.
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        report = average_recognizers(args.first, args.second, args.out, args.weight)
    except (MismatchError, OSError) as error:
        parser.exit(2, f"average_recognizers: {error}\n")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
