"""Fine-tune TrOCR on image/text pairs with PyTorch Lightning.

Data is a folder with ``truth.jsonl``: one JSON object per line with ``image`` (a path relative to
the folder) and ``text``. When a record also has ``lines`` with ``box`` corners (as ``inksight ocr
synth`` writes for pages), every line is cut out and becomes its own example, because TrOCR reads
one line at a time. The validation set is read each epoch and scored by CER; the best model so far
is saved with ``save_pretrained`` (plus its processor and a ``metrics.json``), so the output folder
loads back with ``inksight.ocr.engines.trocr.recognizer.load_trocr`` or ``build_engine("trocr", trocr_model=folder)``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from inksight.ocr.errors import OcrError
from inksight.ocr.lines import crop_line
from inksight.ocr.metrics import ErrorCounts, char_errors, total
from inksight.ocr.reader import read_image

__all__ = [
    "LineExample",
    "SaveBestPretrained",
    "TrocrFinetune",
    "finetune_trocr",
    "load_line_examples",
    "validation_cer",
]


@dataclass
class LineExample:
    """One training example: a line image (RGB uint8) and its text."""

    image: np.ndarray
    text: str


def load_line_examples(folder: str | Path) -> list[LineExample]:
    """Read ``folder/truth.jsonl`` into line examples (page records are cut into their lines).

    Raises:
        OcrError: No truth file, a malformed record, or a missing image.
    """
    folder = Path(folder)
    truth = folder / "truth.jsonl"
    if not truth.is_file():
        raise OcrError(
            f"{folder} has no truth.jsonl; make one with 'inksight ocr synth' or write one line "
            'per image like {"image": "images/a.png", "text": "..."}.'
        )
    examples: list[LineExample] = []
    for number, raw in enumerate(truth.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            image_path, text = folder / record["image"], str(record["text"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise OcrError(
                f"line {number} of {truth} is not a JSON object with 'image' and 'text'; fix it."
            ) from None
        page = np.asarray(read_image(image_path))
        lines = record.get("lines") or []
        if len(lines) > 1 and all("box" in line for line in lines):
            for line in lines:
                examples.append(LineExample(crop_line(page, np.array(line["box"])), line["text"]))
        else:
            examples.append(LineExample(page, " ".join(text.split())))
    if not examples:
        raise OcrError(f"{truth} lists no images; add at least one record.")
    return examples


def validation_cer(recognizer: Any, examples: list[LineExample]) -> float:
    """Corpus CER (case-sensitive) of ``recognizer`` on ``examples``."""
    readings = recognizer.recognize([example.image for example in examples])
    counts: list[ErrorCounts] = [
        char_errors(example.text, text, ignore_case=False)
        for example, (text, _) in zip(examples, readings, strict=True)
    ]
    return total(counts).rate


def finetune_trocr(
    # Long because the documented signature is 43 lines; the body is about 30, in four steps.
    train_dir: str | Path,
    val_dir: str | Path,
    model: str | Path | Any,
    out_dir: str | Path,
    *,
    processor: Any = None,
    epochs: int = 5,
    batch_size: int = 8,
    lr: float = 5e-5,
    weight_decay: float = 0.01,
    max_target_length: int = 64,
    allow_download: bool = False,
    accelerator: str = "auto",
    devices: int | list[int] = 1,
    precision: str = "32-true",
    seed: int = 0,
    progress: bool = False,
) -> dict:
    """Fine-tune a TrOCR model and save the best epoch (lowest validation CER) to ``out_dir``.

    Args:
        train_dir: Folder with ``truth.jsonl`` and images to learn from.
        val_dir: Folder with ``truth.jsonl`` and images to score each epoch.
        model: A TrOCR folder, a hub id, or a ``VisionEncoderDecoderModel`` (then pass
            ``processor``).
        out_dir: Where the best model, its processor and ``metrics.json`` are written.
        processor: The ``TrOCRProcessor`` when ``model`` is an object.
        epochs: Passes over the training set.
        batch_size: Lines per optimisation step.
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay.
        max_target_length: Longest label, in tokens (longer texts are cut).
        allow_download: Let ``model`` (a hub id) be downloaded when not cached.
        accelerator: Lightning accelerator; ``"auto"`` uses a GPU when one is present.
        devices: Lightning devices: 1, or ``[index]`` of the one GPU to train on.
        precision: Lightning precision: ``"32-true"``, ``"bf16-mixed"`` or ``"16-mixed"``.
        seed: Seed for weights order and shuffling.
        progress: Show Lightning's progress bar.

    Returns:
        Metrics: ``initial_val_cer``, ``val_cer`` per epoch, ``best_val_cer``, ``best_epoch``,
        ``train_loss`` per epoch, ``train_lines``, ``val_lines``, ``device``, ``seconds``, ``out_dir``.
    """
    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    started = time.perf_counter()
    network, processor = _network_and_processor(model, processor, allow_download)
    train, val = load_line_examples(train_dir), load_line_examples(val_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pl.seed_everything(seed, verbose=False)

    # A reader copies the weights it decodes with, so each epoch is scored by a new one.
    new_reader = functools.partial(
        TrocrRecognizer, network, processor, max_new_tokens=max_target_length
    )
    reader = new_reader(device=_gpu(accelerator, devices))  # on the GPU training will use
    collate = _Collate(reader, processor.tokenizer, max_target_length)
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(val, batch_size=batch_size, collate_fn=collate)
    module = TrocrFinetune(network, lr=lr, weight_decay=weight_decay)
    saver = SaveBestPretrained(new_reader, processor, val, out_dir)

    initial = validation_cer(reader, val)
    network.train()  # the reader put it in eval mode; Lightning leaves the mode to us
    trainer = _trainer(epochs, (accelerator, devices, precision), progress, saver)
    trainer.fit(module, train_loader, val_loader)

    metrics = {
        "initial_val_cer": round(initial, 6),
        **saver.metrics(),
        "train_loss": [round(value, 6) for value in module.epoch_losses],
        "train_lines": len(train),
        "val_lines": len(val),
        "device": str(trainer.strategy.root_device),
        "seconds": round(time.perf_counter() - started, 2),
        "out_dir": str(out_dir),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def _network_and_processor(
    model: str | Path | Any, processor: Any, allow_download: bool
) -> tuple[Any, Any]:
    """The model to train and its processor, loaded when ``model`` is a folder or hub id."""
    from inksight.ocr.engines.trocr.recognizer import load_trocr

    if isinstance(model, str | Path):
        network, processor = load_trocr(model, local_files_only=not allow_download)
    elif processor is None:
        raise OcrError("a TrOCR model object needs its processor; pass processor=...")
    else:
        network = model
    _fill_special_tokens(network, processor.tokenizer)
    return network, processor


def _gpu(accelerator: str, devices: int | list[int]) -> torch.device | None:
    """The GPU an explicit ``"gpu"``/``"cuda"`` accelerator trains on (None: leave the model)."""
    if accelerator not in ("gpu", "cuda"):
        return None
    return torch.device("cuda", devices[0] if isinstance(devices, list) else 0)


def _trainer(
    epochs: int, placement: tuple[str, int | list[int], str], progress: bool, saver: pl.Callback
) -> pl.Trainer:
    """One device, no logger or checkpoints of Lightning's own: ``saver`` keeps the best epoch."""
    accelerator, devices, precision = placement
    return pl.Trainer(
        max_epochs=epochs,
        accelerator=accelerator,
        devices=devices,
        precision=precision,
        logger=False,
        enable_checkpointing=False,  # we save the best epoch with save_pretrained instead
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[saver],
        log_every_n_steps=1,
    )


def _fill_special_tokens(network: Any, tokenizer: Any) -> None:
    """Labels are shifted right by the model; it needs the start and pad ids to do so."""
    config = network.config
    if config.decoder_start_token_id is None:
        config.decoder_start_token_id = (
            network.generation_config.decoder_start_token_id or tokenizer.eos_token_id
        )
    if config.pad_token_id is None:
        config.pad_token_id = tokenizer.pad_token_id
    if config.eos_token_id is None:
        config.eos_token_id = tokenizer.eos_token_id


class _Collate:
    """Line examples -> pixel values and padded labels (-100 where there is no token)."""

    def __init__(self, reader: Any, tokenizer: Any, max_length: int) -> None:
        self.reader, self.tokenizer, self.max_length = reader, tokenizer, max_length

    def __call__(self, batch: list[LineExample]) -> dict:
        encoded = self.tokenizer(
            [example.text for example in batch],
            max_length=self.max_length,
            truncation=True,
            padding="longest",
            return_tensors="pt",
        )
        labels = encoded.input_ids.masked_fill(encoded.attention_mask == 0, -100)
        pixels = self.reader.pixel_values([example.image for example in batch])
        return {"pixel_values": pixels, "labels": labels.to(torch.long)}


class TrocrFinetune(pl.LightningModule):
    """Wraps a ``VisionEncoderDecoderModel``; the loss is the model's own cross-entropy."""

    def __init__(self, network: Any, *, lr: float, weight_decay: float) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["network"])
        self.network = network
        self.epoch_losses: list[float] = []
        self._losses: list[float] = []

    def _step(self, batch: dict) -> torch.Tensor:
        return self.network(pixel_values=batch["pixel_values"], labels=batch["labels"]).loss

    def training_step(self, batch: dict, batch_index: int) -> torch.Tensor:
        loss = self._step(batch)
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["labels"]))
        self._losses.append(float(loss.detach()))
        return loss

    def on_train_epoch_end(self) -> None:
        self.epoch_losses.append(float(np.mean(self._losses)) if self._losses else 0.0)
        self._losses = []

    def validation_step(self, batch: dict, batch_index: int) -> torch.Tensor:
        loss = self._step(batch)
        self.log("val/loss", loss, batch_size=len(batch["labels"]))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay
        )


class SaveBestPretrained(pl.Callback):
    """Scores CER on the validation lines each epoch and saves the best model with save_pretrained."""

    def __init__(
        self,
        new_reader: Callable[[], Any],
        processor: Any,
        val: list[LineExample],
        out_dir: Path,
    ) -> None:
        self.new_reader, self.processor = new_reader, processor
        self.val, self.out_dir = val, out_dir
        self.history: list[float] = []
        self.best, self.best_epoch = float("inf"), -1

    def on_validation_epoch_end(self, trainer: pl.Trainer, module: TrocrFinetune) -> None:
        if trainer.sanity_checking:
            return
        score = validation_cer(self.new_reader(), self.val)  # with this epoch's weights
        module.log("val/cer", score)
        self.history.append(score)
        if score < self.best:
            self.best, self.best_epoch = score, trainer.current_epoch
            module.network.save_pretrained(self.out_dir)
            self.processor.save_pretrained(self.out_dir)

    def metrics(self) -> dict:
        """``val_cer`` per epoch, ``best_val_cer`` and ``best_epoch``, rounded for ``metrics.json``."""
        return {
            "val_cer": [round(value, 6) for value in self.history],
            "best_val_cer": round(self.best, 6),
            "best_epoch": self.best_epoch,
        }
