"""Where models run: ``--device`` and ``--dtype`` strings to torch devices, dtypes and Lightning.

Every command that runs a model takes the same two options: ``--device auto|cpu|cuda|cuda:N``
and ``--dtype auto|fp32|bf16|fp16``. The config dataclasses check the spelling when they are
built (``check_device``, ``check_dtype``, no torch import); the jobs resolve them when they load
a model (``resolve_device``, ``resolve_dtype``, ``lightning_options``), so a missing GPU is one
sentence before anything heavy starts. ``ocr`` and ``nlp`` only ever see torch objects.

``auto`` picks the first CUDA GPU when torch sees one, else the CPU; ``--dtype auto`` is float32
on a CPU (what the CPU paths are tuned for) and bfloat16 on a GPU that computes in it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from inksight.pipelines.errors import PipelineError

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEVICE_HELP",
    "DTYPES",
    "DTYPE_HELP",
    "TRAINING_DTYPE_HELP",
    "check_device",
    "check_dtype",
    "lightning_options",
    "resolve_device",
    "resolve_dtype",
]

DTYPES = ("auto", "fp32", "bf16", "fp16")
DEVICE_HELP = "Where the model runs: auto (a CUDA GPU when there is one), cpu, cuda or cuda:N."
DTYPE_HELP = "Number type of the model: auto (fp32 on a CPU, bf16 on a GPU), fp32, bf16 or fp16."
TRAINING_DTYPE_HELP = (
    "Training precision: auto (fp32 on a CPU, bf16 mixed on a GPU), fp32, or bf16/fp16 mixed "
    "(float32 weights, products in the smaller type)."
)
_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")
_PRECISION = {"fp32": "32-true", "bf16": "bf16-mixed", "fp16": "16-mixed"}  # Lightning's names


def check_device(device: str) -> str:
    """``device`` if it is spelled as ``--device`` takes it, else one sentence (no torch import)."""
    device = str(device).strip().lower()
    if not _DEVICE.fullmatch(device):
        raise PipelineError(f"unknown --device {device!r}; choose auto, cpu, cuda or cuda:N.")
    return device


def check_dtype(dtype: str) -> str:
    """``dtype`` if it is one of ``DTYPES``, else one sentence."""
    dtype = str(dtype).strip().lower()
    if dtype not in DTYPES:
        raise PipelineError(f"unknown --dtype {dtype!r}; choose {', '.join(DTYPES)}.")
    return dtype


def resolve_device(device: str = "auto") -> torch.device:
    """The torch device ``device`` names; a CUDA device that is not there is one sentence."""
    import torch

    device = check_device(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise PipelineError(
            f"--device {device} was asked for but no CUDA GPU is visible to torch "
            f"(torch {torch.__version__}); use --device cpu, or auto to take a GPU only when "
            "there is one."
        )
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise PipelineError(
            f"--device {device} was asked for but torch sees {torch.cuda.device_count()} CUDA "
            "GPU(s), numbered from 0; pick one of those."
        )
    return torch.device("cuda", index)


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """The torch dtype ``dtype`` names on ``device``; fp16 on a CPU is one sentence."""
    import torch

    dtype = check_dtype(dtype)
    if dtype == "auto":
        fast_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        return torch.bfloat16 if fast_bf16 else torch.float32
    if dtype == "fp16" and device.type == "cpu":
        raise PipelineError("--dtype fp16 needs a GPU; on a CPU use fp32 or bf16.")
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]


def lightning_options(device: str, dtype: str) -> dict[str, Any]:
    """``accelerator``, ``devices`` and ``precision`` for a one-device ``pl.Trainer``.

    Training keeps float32 weights and computes in the smaller type where it is safe
    (Lightning's ``bf16-mixed``/``16-mixed``), which is what ``bf16``/``fp16`` mean for training.
    """
    import torch

    where = resolve_device(device)
    kind = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
    precision = _PRECISION[kind[resolve_dtype(dtype, where)]]
    if where.type == "cpu":
        return {"accelerator": "cpu", "devices": 1, "precision": precision}
    return {"accelerator": "gpu", "devices": [where.index or 0], "precision": precision}
