"""Fine-tune rapidocr's PP-OCRv6 small recogniser on handwriting and write the shipped ONNX model.

rapidocr's recogniser was trained mostly on print and scene text; thin and connected handwriting
is where the OCR benchmark's hard tier loses most. This script:

1. renders line images in the hard style (clean scans and phone photos, and the same with strokes
   worn to hairlines) from the **tuning** fonts only (``HARD_TUNING_FONTS``; the fonts held out
   by either benchmark tier are never rendered), with sentences from ``review_texts()[1::2]``,
   the half of the IMDB reviews the benchmark (``[0::4]``) and the reader's tuning set
   (``[2::4]``) never write;
2. reads each with the reader as shipped on rapidocr's own recogniser and keeps the line crop it
   hands its recogniser (prepared page, grey ink darkened), so training sees what reading sees;
   images where the detector does not find exactly one line are left out;
3. converts the ONNX graph to PyTorch (``onnx2torch``), cuts its last layer down to the columns of
   ``LATIN`` (166 of 18,710: the only ones the reader decodes), fine-tunes it with CTC loss
   (AdamW, one-cycle learning rate, BatchNorm statistics frozen), and exports it back to ONNX with
   its characters in the metadata, where rapidocr looks for them. ``--mix A`` writes rapidocr's
   weights plus A times fine-tuning's change instead (weight-space ensembling, WiSE-FT; measured,
   not kept: docs/ocr-benchmark.md). ``--pointed N`` adds N lines drawn with a pointed pen's
   contrast (swelling downstrokes, hairline joins; ``inksight.ocr.synth._pointed_strokes``):
   alone it lost photographed lines; averaged with the plain recipe's model by
   ``scripts/average_recognizers.py`` it is the shipped model (docs/ocr-benchmark.md).
   onnx2torch makes the convolutions modules with parameters but keeps the weights of a MatMul
   or an Add as constants, so the shipped model was fine-tuned in its convolutions' kernels only: the biases
   added after them, its neck's mixing blocks, their layer norms and its last layer are
   rapidocr's. ``--tune all`` trains those too (``train_constants``; measured, not kept: it
   read an unseen family worse).

The shipped model is the average of two runs, the plain recipe and the one with pointed-pen lines
(about 40 minutes each on 2 cores, after 11 minutes rendering the crops once into ``--work``):

    pip install --no-deps onnx2torch==1.5.15   # its torchvision requirement is for ops unused here
    python scripts/train_handwriting_recognizer.py --out plain.onnx
    python scripts/train_handwriting_recognizer.py --pointed 2400 --out pointed.onnx
    python scripts/average_recognizers.py plain.onnx pointed.onnx --out ocr/engines/models/pp-ocrv6-rec-handwriting.onnx

Stopped (a closed laptop, a killed job), the same command goes on from the run's last checkpoint
(every 50 steps, ``OUT.resume.pt`` beside ``--out``) and writes the model an unbroken run writes.

Memory: training holds about 12 GB at its peak with glibc's allocator (crops of every width
fragment its heap). With jemalloc (Debian ``libjemalloc2``) it holds 3.7 GB and writes the same
model to the byte, in about 1.8 times the time (100 steps, 2 cores, 2026-12-06):

    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 python scripts/train_handwriting_recognizer.py --out plain.onnx

Read with a model written elsewhere by ``build_ocr_engine("rapidocr", recognizer=PATH)``; the
shipped one is ``inksight.ocr.engines.rapidocr.HANDWRITING_RECOGNIZER``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import onnx
import torch
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inksight.ocr.engines.rapidocr import (  # noqa: E402
    REC_HEIGHT,
    UPRIGHT_KEY,
    ctc_emitted,
    decoded_columns,
    load_models,
    recognizer_batch,
    to_height,
)
from inksight.ocr.fonts import FONT_FAMILIES, HARD_HELD_OUT_FONTS, HELD_OUT_FONTS  # noqa: E402
from inksight.ocr.metrics import cer  # noqa: E402
from inksight.ocr.preprocess import upright as deslant  # noqa: E402
from inksight.ocr.synth import motion_blur, write_dataset  # noqa: E402
from inksight.pipelines.errors import AssetError  # noqa: E402
from inksight.pipelines.ocr_jobs import build_ocr_engine, resolve_fonts, review_texts  # noqa: E402

# (seed, images, thin, pointed) of each rendered set: plain strokes, and strokes worn to hairlines.
SETS = ((71000, 3000, 0.0, 0.0), (72000, 2400, 0.4, 0.0))
# With --pointed N: N more, drawn with a pointed pen's contrast (``_pointed_strokes``).
POINTED_SET = (73000, 0.0, 0.6)


def render_crops(out: Path, seed: int, count: int, thin: float, pointed: float = 0.0) -> list[dict]:
    """Render ``count`` line images and keep the crop the reader hands its recogniser; a folder
    that already has at least ``count`` (``crops.jsonl``) is read instead: each image is seeded
    by its number, so the first ``count`` of a larger set are the same images."""
    listing = out / "crops.jsonl"
    if _rendered(out) < count:
        _write_crops(out, seed, count, thin, pointed)
    rows = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    return [
        {**row, "path": str(out / row["image"])} for row in rows if _render_order(row)[0] < count
    ]


def rendered_rows(work: Path, scale: float = 1.0, pointed: int = 0) -> list[dict]:
    """The crops of every set in ``SETS`` at ``scale`` and ``pointed`` pointed-pen images, rendered
    into ``work`` if not there yet."""
    sets = [
        (seed, max(2, int(count * scale)), thin, contrast) for seed, count, thin, contrast in SETS
    ]
    if pointed:
        seed, thin, contrast = POINTED_SET
        sets.append((seed, pointed, thin, contrast))
    rows = []
    for seed, count, thin, contrast in sets:
        rows += render_crops(work / str(seed), seed, count, thin, contrast)
    return rows


def split_family(rows: list[dict], family: str, count: int) -> tuple[list[dict], list[dict]]:
    """(``count`` crops of ``family``'s fonts to score on, every crop of the other fonts to train
    on). The scored crops are the first of each set in turn, the same ones at any ``--scale``."""
    unseen = set(FONT_FAMILIES[family])
    scored = sorted((row for row in rows if row["font"] in unseen), key=_render_order)[:count]
    return scored, [row for row in rows if row["font"] not in unseen]


def _rendered(out: Path) -> int:
    """How many images a finished rendering in ``out`` holds (0 for none, or for crops whose
    rendered images' listing is gone: rendered anew rather than trusted)."""
    truth = out / "render" / "truth.jsonl"
    if not (out / "crops.jsonl").exists() or not truth.exists():
        return 0
    return len(truth.read_text(encoding="utf-8").splitlines())


def _write_crops(out: Path, seed: int, count: int, thin: float, pointed: float) -> None:
    fonts = resolve_fonts(["hard-tuning"])
    if not fonts:
        raise AssetError("no hard tuning fonts found; run scripts/install_fonts.sh.")
    leaked = set(fonts) & (set(HARD_HELD_OUT_FONTS) | set(HELD_OUT_FONTS))
    assert not leaked, f"held-out fonts in the training set: {leaked}"
    records = write_dataset(
        out / "render", review_texts()[1::2], fonts, count, kinds=("line",),
        styles=("clean", "photo"), seed=seed, tier="hard", thin=thin, pointed=pointed,
    )  # fmt: skip
    engine = build_ocr_engine("rapidocr", recognizer="stock")
    handed: list[list[np.ndarray]] = []

    def keep_and_stop(crops):
        # The first crops the reader hands its recogniser are all that is kept; reading them and
        # the looks after would take twice as long as rendering and detecting. The raise ends the
        # page's reading; the reader turns it into a warning (one bad page must not lose the
        # others), so the crops are kept here rather than carried by the exception.
        handed.append([np.asarray(crop) for crop in crops])
        raise _CropsHanded

    engine.recognizer.recognize = keep_and_stop
    (out / "crops").mkdir(parents=True, exist_ok=True)
    unfinished = out / "crops.jsonl.partial"  # renamed when done: a stopped run is not a cache
    with unfinished.open("w", encoding="utf-8") as listing:
        for number, record in enumerate(records):
            handed.clear()
            engine.read(str(out / "render" / record["image"]))
            if not handed or len(handed[0]) != 1:  # the first reading: the page as detected
                continue
            name = f"crops/{seed}-{number:05d}.png"
            cv2.imwrite(str(out / name), cv2.cvtColor(handed[0][0], cv2.COLOR_RGB2BGR))
            row = {"image": name, "text": record["text"], "font": record["font"]}
            listing.write(json.dumps(row) + "\n")
    unfinished.replace(out / "crops.jsonl")


class _CropsHanded(Exception):
    """Raised by the recogniser's stand-in once the reader has handed it the detected crops."""


def _render_order(row: dict) -> tuple[int, int]:
    """(image number, set seed) of a crop named ``crops/SEED-NUMBER.png``."""
    seed, number = Path(row["image"]).stem.split("-")
    return int(number), int(seed)


def stock_recognizer_file() -> Path:
    """The recogniser ONNX inside rapidocr's wheel."""
    import rapidocr

    found = sorted(Path(rapidocr.__file__).parent.glob("models/*_rec_*.onnx"))
    assert len(found) == 1, f"expected one recogniser in rapidocr's wheel, found {found}"
    return found[0]


def to_torch(source: Path, columns: list[int]) -> torch.nn.Module:
    """The recogniser as a PyTorch module giving logits over ``columns`` only."""
    # onnx2torch imports torchvision for two converters (NMS, RoIAlign) this model does not use;
    # torchvision does not install beside this torch, so an empty module stands in for it.
    # The stand-in is removed again at once: transformers takes a torchvision in sys.modules as
    # installed.
    stub = types.ModuleType("torchvision.ops")
    stub.roi_align = None
    added = {"torchvision": types.ModuleType("torchvision"), "torchvision.ops": stub}
    added = {name: module for name, module in added.items() if name not in sys.modules}
    sys.modules.update(added)
    try:
        from onnx2torch import convert
    finally:
        for name in added:
            del sys.modules[name]

    model = onnx.load(str(source))
    for node in model.graph.node:  # 2 x 2 "SAME_UPPER" convolutions: pad one at the end
        for attribute in list(node.attribute):
            if attribute.name == "auto_pad" and attribute.s == b"SAME_UPPER":
                node.attribute.remove(attribute)
                node.attribute.append(onnx.helper.make_attribute("pads", [0, 0, 1, 1]))
    for tensor in model.graph.initializer:  # the last layer: keep the decoded columns
        if tensor.name in ("linear_8.w_0", "linear_8.b_0"):
            kept = np.ascontiguousarray(numpy_helper.to_array(tensor)[..., columns])
            tensor.CopyFrom(numpy_helper.from_array(kept, tensor.name))
    softmax = model.graph.node[-1]
    assert softmax.op_type == "Softmax", "the recogniser no longer ends in a softmax"
    model.graph.node.remove(softmax)
    output = model.graph.output[0]
    output.name = softmax.input[0]
    output.type.tensor_type.shape.dim[2].dim_value = len(columns)
    return convert(model)


def batch_of(rows: list[dict], augment: str | None, upright: bool = False) -> torch.Tensor:
    """Crops as ``RapidRecognizer`` feeds them (``recognizer_batch``), augmented when training;
    with ``upright``, each with its slant taken out first, as the reader then does."""
    images = []
    for row in rows:
        rgb = cv2.cvtColor(cv2.imread(row["path"]), cv2.COLOR_BGR2RGB)
        if upright:
            rgb = deslant(rgb)
        if augment in ("width", "elastic") and random.random() < 0.5:  # a little wider or narrower
            width = max(8, int(rgb.shape[1] * random.uniform(0.85, 1.15)))
            rgb = cv2.resize(rgb, (width, rgb.shape[0]), interpolation=cv2.INTER_AREA)
        if augment == "elastic" and random.random() < 0.5:
            rgb = other_strokes(rgb)
        if augment in ("hands", "camera"):
            rgb = other_hand(rgb)
        if augment == "camera":
            rgb = other_camera(rgb)
        images.append(to_height(rgb, REC_HEIGHT))
    return torch.from_numpy(recognizer_batch(images))


def other_hand(rgb: np.ndarray) -> np.ndarray:
    """The crop as another hand and another photo might have made it: slanted, wider or
    narrower, lighter or heavier strokes, fainter, softer, noisier, sitting higher or lower.

    The tuning fonts are 18 hands; the people who use Inksight are not. Each change is drawn
    independently, so most crops get two or three of them.
    """
    height, width = rgb.shape[:2]
    if random.random() < 0.5:  # slant: shear about the middle row, paper filling the corners
        shear = random.uniform(-0.35, 0.35)
        pad = int(abs(shear) * height) + 1
        matrix = np.float32([[1, shear, pad - shear * height / 2], [0, 1, 0]])
        rgb = cv2.warpAffine(rgb, matrix, (width + 2 * pad, height), borderValue=(255, 255, 255))
    if random.random() < 0.6:  # letters wider or narrower
        new_width = max(8, int(rgb.shape[1] * random.uniform(0.75, 1.25)))
        rgb = cv2.resize(rgb, (new_width, rgb.shape[0]), interpolation=cv2.INTER_AREA)
    if random.random() < 0.3 and height >= 24:  # a heavier or a lighter pen (ink is dark)
        kernel = np.ones((2, 2), np.uint8)
        rgb = cv2.erode(rgb, kernel) if random.random() < 0.5 else cv2.dilate(rgb, kernel)
    if random.random() < 0.3:  # fainter ink: pencil, a worn pen
        strength = random.uniform(0.45, 0.9)
        rgb = (255 - (255 - rgb.astype(np.float32)) * strength).astype(np.uint8)
    if random.random() < 0.3:
        rgb = cv2.GaussianBlur(rgb, (0, 0), random.uniform(0.4, 1.2))
    if random.random() < 0.3:
        sensor = np.random.default_rng(random.getrandbits(32))  # seeded like everything else
        noise = sensor.normal(0, random.uniform(2, 10), rgb.shape[:2])[..., None]
        rgb = np.clip(rgb + noise, 0, 255).astype(np.uint8)
    if random.random() < 0.3:  # more paper above or below: the line box cut looser
        top, bottom = (int(height * random.uniform(0, 0.2)) for _ in range(2))
        rgb = cv2.copyMakeBorder(rgb, top, bottom, 0, 0, cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(rgb)


def other_camera(rgb: np.ndarray) -> np.ndarray:
    """The crop as a worse phone photo would have given it: smeared by a moving hand, taken at a
    lower resolution, saved as a rougher JPEG.

    These are the effects the development sets lose most to (motion blur, JPEG quality under 70,
    writing under 16 px high; docs/ocr-benchmark.md). The rendered photos have each at the
    benchmark's rates; this shows the recogniser more of them, on scans' crops too.
    """
    if random.random() < 0.35:  # the synthetic photos' own motion blur (ocr/synth.py)
        rgb = motion_blur(rgb, random.randint(3, 6), random.uniform(0, 180))
    if random.random() < 0.3 and min(rgb.shape[:2]) >= 16:  # fewer pixels on the writing
        height, width = rgb.shape[:2]
        share = random.uniform(0.5, 0.8)
        small = (max(4, int(width * share)), max(8, int(height * share)))
        rgb = cv2.resize(cv2.resize(rgb, small, interpolation=cv2.INTER_AREA), (width, height))
    if random.random() < 0.35:  # JPEG at the low end of what phones and messengers save
        quality = [cv2.IMWRITE_JPEG_QUALITY, random.randint(35, 70)]
        _, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), quality)
        rgb = cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(rgb)


def other_strokes(rgb: np.ndarray) -> np.ndarray:
    """The crop's strokes bent a little, as another hand draws the same letters: each pixel
    moved by a smooth random field (elastic distortion), 3-8% of the line's height."""
    height, width = rgb.shape[:2]
    sensor = np.random.default_rng(random.getrandbits(32))
    smooth = 0.15 * height  # how far apart the bends are
    fields = [
        cv2.GaussianBlur(sensor.uniform(-1, 1, (height, width)).astype(np.float32), (0, 0), smooth)
        for _ in range(2)
    ]
    strength = random.uniform(0.03, 0.08) * height
    fields = [field * strength / max(float(np.abs(field).max()), 1e-6) for field in fields]
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(
        rgb, grid_x + fields[0], grid_y + fields[1], cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


def greedy(logits: torch.Tensor, charset: list[str]) -> list[str]:
    texts = []
    for best in logits.argmax(-1).numpy():
        texts.append("".join(charset[i] for i in best[ctc_emitted(best)]).strip())
    return texts


def validation_cer(
    net: torch.nn.Module, rows: list[dict], charset: list[str], upright: bool = False
) -> float:
    net.eval()
    with torch.no_grad():
        return crops_cer(net, rows, charset, upright)


def crops_cer(
    read: Callable[[torch.Tensor], torch.Tensor],
    rows: list[dict],
    charset: list[str],
    upright: bool = False,
) -> float:
    """Mean greedy case-sensitive CER of ``read`` (a batch of crops -> per-frame scores over
    ``charset``) on ``rows``, 16 crops at a time."""
    errors = []
    for start in range(0, len(rows), 16):
        chunk = rows[start : start + 16]
        batch = batch_of(chunk, None, upright)
        for row, text in zip(chunk, greedy(read(batch), charset), strict=True):
            errors.append(cer(row["text"], text, ignore_case=False))
    return float(np.mean(errors))


def fine_tune(
    net,
    train,
    val,
    charset,
    *,
    steps: int,
    batch: int,
    lr: float,
    augment: str = "width",
    upright: bool = False,
    checkpoint: Path | None = None,
    every: int = 50,
    run: dict | None = None,
) -> dict:
    """CTC fine-tuning; returns the validation CER before and after.

    With ``checkpoint``, the whole state of the run (weights, optimiser, schedule, random
    generators) is written there every ``every`` steps, and a run started again with the same
    settings goes on from it: the model it writes is the one an unbroken run writes.
    """
    index = {character: i for i, character in enumerate(charset) if i}
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps, pct_start=0.1)
    saved = load_checkpoint(checkpoint, run) if checkpoint else None
    if saved:
        net.load_state_dict(saved["net"])
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        random.setstate(saved["random"])
        torch.set_rng_state(saved["torch_random"])
        before, done = saved["val_cer_before"], saved["step"]
        print(f"going on from step {done}/{steps} ({checkpoint})")
    else:
        before, done = validation_cer(net, val, charset, upright), 0
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    started = time.perf_counter()
    for step in range(done + 1, steps + 1):
        net.eval()  # BatchNorm keeps its statistics (small batches); the graph has no dropout
        chunk = random.sample(train, batch)
        crops = batch_of(chunk, augment, upright)
        log_probs = net(crops).log_softmax(-1)  # batch, frames, characters
        targets = [[index[c] for c in row["text"] if c in index] for row in chunk]
        loss = ctc(
            log_probs.permute(1, 0, 2),
            torch.tensor([i for target in targets for i in target]),
            torch.full((len(chunk),), log_probs.shape[1], dtype=torch.long),
            torch.tensor([len(target) for target in targets]),
        )
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        schedule.step()
        if step % 50 == 0:
            print(
                f"step {step}/{steps}: loss {loss.item():.3f}, {time.perf_counter() - started:.0f} s"
            )
        if checkpoint and step % every == 0 and step < steps:
            save_checkpoint(checkpoint, {
                "run": run, "step": step, "val_cer_before": before, "net": net.state_dict(),
                "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "random": random.getstate(), "torch_random": torch.get_rng_state(),
            })  # fmt: skip
    return {
        "val_cer_before": round(before, 4),
        "val_cer_after": round(validation_cer(net, val, charset, upright), 4),
        "resumed_from_step": done,
    }


def save_checkpoint(path: Path, state: dict) -> None:
    """Write ``state`` whole or not at all: a run stopped mid-write keeps the last checkpoint."""
    partial = path.with_name(path.name + ".tmp")
    torch.save(state, partial)
    partial.replace(path)


def load_checkpoint(path: Path, run: dict | None) -> dict | None:
    """The state saved at ``path`` by a run with the same settings; None when there is none.

    A checkpoint of a run with other settings is refused in one sentence rather than trained on
    from (its steps would be another recipe's) or silently thrown away (they may be hours of work).
    """
    if not path.exists():
        return None
    state = torch.load(path, weights_only=False)  # our own file: it holds Python random's state
    if state.get("run") != run:
        saved, wanted = state.get("run") or {}, run or {}
        differ = sorted(k for k in {**saved, **wanted} if saved.get(k) != wanted.get(k))
        raise SystemExit(
            f"{path} holds a run with other settings ({', '.join(differ)}): run with those, "
            "or delete it to start again."
        )
    return state


def mix_weights(
    net: torch.nn.Module, start: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor], mix: float
) -> None:
    """Give ``net`` the weights start + mix x (tuned - start).

    Fine-tuning on 18 fonts learns their hands and may forget some of what rapidocr's recogniser
    knew about other shapes of a letter; part of the way between the two often carries to unseen
    data better than either end (Wortsman et al., 2022). Buffers that are not weights (BatchNorm's
    frozen statistics, step counters) are the same at both ends and stay as they are.
    """
    net.load_state_dict(
        {
            name: start[name] + mix * (value - start[name]) if value.is_floating_point() else value
            for name, value in tuned.items()
        }
    )


def export(net: torch.nn.Module, charset: list[str], path: Path, upright: bool = False) -> None:
    """ONNX with probabilities out, as rapidocr's recognisers give, and its characters inside;
    a model trained on upright crops says so (``UPRIGHT_KEY``), and the reader deslants for it."""

    class WithSoftmax(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.inner(x), dim=2)

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        WithSoftmax(net).eval(), (torch.zeros(1, 3, REC_HEIGHT, 320),), str(path),
        input_names=["x"], output_names=["probabilities"], opset_version=17, dynamo=False,
        dynamic_axes={"x": {0: "batch", 3: "width"}, "probabilities": {0: "batch", 1: "frames"}},
    )  # fmt: skip
    model = onnx.load(str(path))
    # rapidocr adds the blank first and the space last to the characters it reads from here.
    assert charset[0] == "blank" and charset[-1] == " "
    model.metadata_props.add(key="character", value="\n".join(charset[1:-1]))
    if upright:
        model.metadata_props.add(key=UPRIGHT_KEY, value="1")
    onnx.save(model, str(path))


def train_constants(net: torch.nn.Module) -> int:
    """Make the weights onnx2torch keeps as constants trainable; returns how many values.

    onnx2torch turns each Conv into a module with parameters, but a MatMul's or an Add's weights
    stay buffers of ``net.initializers``: the biases added after the convolutions, the mixing
    blocks of the recogniser's neck, their layer norms and the last layer. Without this only the
    convolutions' kernels train (the shipped model).
    """
    holder = net.initializers
    count = 0
    for name, value in list(holder.named_buffers(recurse=False)):
        if value.is_floating_point() and value.numel() > 1:  # scalars are constants (eps, scale)
            delattr(holder, name)
            holder.register_parameter(name, torch.nn.Parameter(value.detach().clone()))
            count += value.numel()
    return count


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "handwriting-recognizer")
    parser.add_argument("--out", type=Path, required=True, help="the ONNX file to write")
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument(
        "--mix", type=lambda text: [float(share) for share in text.split(",")], default=[1.0],
        help="share of fine-tuning's change kept (1: the fine-tuned weights, shipped; 0: "
        "rapidocr's own); a list such as 1,0.8,0.6 reports each and writes the first",
    )  # fmt: skip
    parser.add_argument("--val", type=int, default=300, help="crops kept aside to report on")
    parser.add_argument("--scale", type=float, default=1.0, help="share of SETS' images to render")
    parser.add_argument(
        "--augment", choices=("hands", "camera", "width", "elastic", "none"), default="width",
        help="width: letters a little wider or narrower (the shipped model); elastic: also "
        "strokes bent by a smooth random field (other_strokes); hands: also slant, stroke "
        "weight, fading, blur, noise, looser boxes (other_hand); camera: hands, then motion "
        "blur, lower resolution and rougher JPEG (other_camera); elastic and hands carried "
        "worse to an unseen family (docs/ocr-benchmark.md)",
    )  # fmt: skip
    parser.add_argument(
        "--pointed", type=int, default=0, metavar="N",
        help="also train on N line images drawn with a pointed pen's contrast (swelling "
        "downstrokes, hairline joins: the look of the pointed-pen scripts; 0: the shipped recipe; "
        "2400 was measured and not shipped, docs/ocr-benchmark.md)",
    )  # fmt: skip
    parser.add_argument(
        "--tune", choices=("convs", "all"), default="convs",
        help="convs: fine-tune the convolutions' kernels only (the shipped model); all: also the "
        "biases after them, the neck's mixing blocks, their layer norms and the last layer, which "
        "onnx2torch keeps as constants "
        "(measured, not kept: it read an unseen family worse, docs/ocr-benchmark.md)",
    )  # fmt: skip
    parser.add_argument(
        "--upright", action="store_true",
        help="train and validate on crops with their slant taken out "
        "(inksight.ocr.preprocess.upright); the model says so in its metadata and the reader "
        "then deslants every line before reading it",
    )  # fmt: skip
    parser.add_argument(
        "--hold-out-family", choices=sorted(FONT_FAMILIES), default=None,
        help="train without this family's fonts and report on them: how the recipe carries "
        "to hands it never saw (for choosing the recipe; the shipped model uses every font)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seeds the split, the batches and the augmentation (0: the shipped models); another "
        "seed is another run of the same recipe, to see how far two runs differ",
    )  # fmt: skip
    parser.add_argument(
        "--checkpoint-every", type=int, default=50, metavar="N",
        help="every N steps, save the run beside --out (OUT.resume.pt); the same command started "
        "again goes on from there, and the file is deleted once the model is written (0: never)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rows = rendered_rows(args.work, args.scale, args.pointed)
    random.shuffle(rows)
    if args.hold_out_family:
        val, train = split_family(rows, args.hold_out_family, args.val)
    else:
        val, train = rows[: args.val], rows[args.val :]
    models = load_models(recognizer="stock")
    characters = list(models.text_rec.postprocess_op.character)  # blank, ..., " "
    columns = decoded_columns(characters)
    charset = [characters[i] for i in columns]
    net = to_torch(stock_recognizer_file(), columns)
    constants = train_constants(net) if args.tune == "all" else 0
    augment = None if args.augment == "none" else args.augment
    start = {name: value.clone() for name, value in net.state_dict().items()}
    checkpoint = args.out.with_name(args.out.name + ".resume.pt")
    run = {
        "work": str(args.work.resolve()), "scale": args.scale, "pointed": args.pointed,
        "val": args.val, "hold_out_family": args.hold_out_family, "train": len(train),
        "steps": args.steps, "batch": args.batch, "lr": args.lr, "augment": args.augment,
        "tune": args.tune, **({"upright": True} if args.upright else {}),
        **({"seed": args.seed} if args.seed else {}),  # checkpoints of before had seed 0
    }  # fmt: skip
    report = fine_tune(
        net, train, val, charset, steps=args.steps, batch=args.batch, lr=args.lr, augment=augment,
        upright=args.upright, checkpoint=checkpoint if args.checkpoint_every > 0 else None,
        every=args.checkpoint_every, run=run,
    )  # fmt: skip
    if args.mix != [1.0]:
        tuned = {name: value.clone() for name, value in net.state_dict().items()}
        report["val_cer_mixed"] = {}
        for mix in reversed(args.mix):  # the first is written, so it is set last
            mix_weights(net, start, tuned, mix)
            report["val_cer_mixed"][str(mix)] = round(
                validation_cer(net, val, charset, args.upright), 4
            )
    export(net, charset, args.out, args.upright)
    checkpoint.unlink(missing_ok=True)  # the model is written: nothing left to go on from
    report.update(
        crops=len(rows), train=len(train), out=str(args.out), augment=args.augment,
        held_out_family=args.hold_out_family, mix=args.mix, pointed=args.pointed,
        tune=args.tune, constants_trained=constants, upright=args.upright, seed=args.seed,
        threads=torch.get_num_threads(),  # the sums, so the weights, change with it
    )  # fmt: skip
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
