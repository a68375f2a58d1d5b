"""TrOCR (Hugging Face ``transformers``): a line recogniser for handwriting.

TrOCR reads one text line per image, so it sits behind the same line finder as the offline engine:
the page's detector boxes become line crops, and all crops of a page are read in batches under
``torch.inference_mode()``. Greedy decoding runs the decoder's weights in a lean loop of our own
(``trocr_decoder``) rather than ``generate``: fused projections, caches allocated once, and lines
that have ended leave the batch (once they are a quarter of it), so short lines stop costing
decoder steps while long ones finish.
On a GPU (``device``), the crops are resized and normalised there too, in the model's dtype
(``dtype``: bfloat16 or float16 as well as float32), and the decoder never waits for the GPU
between steps: lines stay in the batch and "all ended" is checked every few steps.
Beam search uses ``generate``. Each line's confidence is the mean softmax probability of its
chosen tokens (the minimum is kept too). The image encoder, most of the time on a CPU, can run in
onnxruntime (``runtime="onnxruntime"``, see ``trocr_onnx``).

Weights come from a folder or a hub id. ``load_trocr`` looks locally first and only goes online
when told to, because a plain ``from_pretrained`` without network spends minutes in retries.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inksight.ocr.errors import OcrError

__all__ = [
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "RUNTIMES",
    "TESTED_TRANSFORMERS",
    "TrocrReading",
    "TrocrRecognizer",
    "build",
    "load_trocr",
    "warn_if_untested_transformers",
    "weights_available",
]

DEFAULT_MODEL = "microsoft/trocr-small-handwritten"
KNOWN_MODELS = (
    "microsoft/trocr-small-handwritten",
    "microsoft/trocr-base-handwritten",
    "microsoft/trocr-large-handwritten",
)
RUNTIMES = ("torch", "onnxruntime")
_SYNC_EVERY = 8  # decoder steps between a GPU's checks that every line has ended
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
# The lean decoder reads transformers' TrOCR modules directly, so only the versions it was tested
# with are claimed (as in pyproject.toml); others get one warning sentence when TrOCR loads.
TESTED_TRANSFORMERS = ">=5.12,<5.26"
_warned_about_version = False


def weights_available(model: str | Path) -> bool:
    """True when ``model`` is a folder with TrOCR weights, or a hub id already in the HF cache."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return (folder / "config.json").is_file() and any(
            (folder / name).is_file() for name in WEIGHT_FILES
        )
    if str(model).startswith((".", "/", "~")) or str(model).count("/") != 1:
        return False  # a path that does not exist, not a hub id
    from huggingface_hub import try_to_load_from_cache

    def cached(filename: str) -> bool:
        return isinstance(try_to_load_from_cache(str(model), filename), str)

    return cached("config.json") and any(cached(name) for name in WEIGHT_FILES)


def load_trocr(model: str | Path, *, local_files_only: bool = True) -> tuple[Any, Any]:
    """Load a TrOCR model and processor from a folder or a hub id.

    Args:
        model: A folder written by ``save_pretrained`` or a hub id such as ``DEFAULT_MODEL``.
        local_files_only: Only look on this machine (folder or Hugging Face cache); fails in well
            under 2 s when the weights are missing. False lets ``transformers`` download them.

    Returns:
        ``(VisionEncoderDecoderModel in eval mode, TrOCRProcessor with the PIL image backend)``.

    Raises:
        OcrError: The weights cannot be found or loaded, in one sentence saying how to provide them.
    """
    # Checked before importing transformers (seconds on a small CPU) so a missing model fails fast.
    folder = Path(model).expanduser()
    if local_files_only and not weights_available(model):
        if folder.is_dir():
            raise OcrError(
                f"{folder} has no TrOCR weights (config.json and model.safetensors); "
                "point to a folder written by save_pretrained or by 'inksight ocr finetune'."
            )
        raise OcrError(
            f"TrOCR weights for {str(model)!r} are not on this machine; give a folder with a saved "
            "TrOCR model, put the model in the Hugging Face cache, or allow downloads."
        )
    from transformers import TrOCRProcessor, VisionEncoderDecoderModel

    warn_if_untested_transformers()
    source = str(folder) if folder.is_dir() else str(model)
    try:
        processor = TrOCRProcessor.from_pretrained(
            source, backend="pil", local_files_only=local_files_only
        )
        network = VisionEncoderDecoderModel.from_pretrained(
            source, local_files_only=local_files_only
        )
    except (OSError, ValueError, KeyError) as error:
        raise OcrError(
            f"could not load TrOCR model {source!r} ({str(error).splitlines()[0][:160]}); "
            "check the folder or hub id, or allow downloads."
        ) from None
    return network.eval(), processor


def warn_if_untested_transformers() -> str | None:
    """Log, once per process, one sentence when the installed transformers is not a tested one.

    Returns:
        The sentence when the version is outside ``TESTED_TRANSFORMERS``, else None.
    """
    global _warned_about_version
    import transformers
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        tested = Version(transformers.__version__) in SpecifierSet(TESTED_TRANSFORMERS)
    except InvalidVersion:
        tested = False
    if tested:
        return None
    sentence = (
        f"transformers {transformers.__version__} is installed but Inksight's TrOCR reader was "
        f"tested with transformers{TESTED_TRANSFORMERS.replace(',', ', ')} only; if reading "
        f"fails, install one of those (pip install 'transformers{TESTED_TRANSFORMERS}')."
    )
    if not _warned_about_version:
        _warned_about_version = True
        logging.getLogger(__name__).warning(sentence)
    return sentence


@dataclass
class TrocrReading:
    """One line read by TrOCR: text, mean and minimum probability of its chosen tokens."""

    text: str
    mean_probability: float
    min_probability: float


class TrocrRecognizer:
    """Reads line crops with a ``VisionEncoderDecoderModel``.

    Args:
        model: The TrOCR network (put in eval mode here).
        processor: Its ``TrOCRProcessor`` (image size, normalisation, tokenizer).
        name: Shown in results, e.g. ``"trocr:microsoft/trocr-small-handwritten"``.
        num_beams: Beam width (1 = greedy, the fastest).
        max_new_tokens: Longest line, in tokens.
        min_new_tokens: Shortest output (0; benchmarks force a fixed length with it).
        batch_size: Crops decoded together (on a GPU, 256 keeps it busy).
        encoder_batch: Crops encoded together, at most ``batch_size`` (on a CPU the image
            encoder is faster per line in smaller batches, the decoder in larger ones). None:
            4 on a CPU, ``batch_size`` on a GPU.
        quantize: Dynamic int8 quantisation of the Linear layers (CPU; about 2x faster).
        threads: CPU threads of the onnxruntime encoder's session (None: onnxruntime's default).
            Recorded, never applied to the process: torch's threads (the decoder, the torch
            encoder) are the program's to choose, once, with ``inksight.ocr.set_threads``.
        runtime: ``"torch"`` or ``"onnxruntime"`` for the image encoder (exported when the
            recogniser is built; int8 there too when ``quantize``). The decoder stays in torch.
        onnx_cache: A folder where the onnxruntime encoder's graph is kept and found again, so
            building the same model again skips the export (None: export every time).
        device: Where to read (a ``torch.device`` or its name); the model is moved there, in
            place. None: where the model already is.
        dtype: ``torch.float32``, ``torch.bfloat16`` or ``torch.float16``; the model is
            converted, in place. None: the model's own. int8 and onnxruntime need a float32
            model on the CPU.

    The greedy decoder and an onnxruntime encoder copy the weights when the recogniser is built:
    after changing the model's weights (fine-tuning), build a new recogniser.
    """

    def __init__(
        self,
        model: Any,
        processor: Any,
        *,
        name: str = "trocr",
        num_beams: int = 1,
        max_new_tokens: int = 64,
        min_new_tokens: int = 0,
        batch_size: int = 16,
        encoder_batch: int | None = None,
        quantize: bool = False,
        threads: int | None = None,
        runtime: str = "torch",
        onnx_cache: str | Path | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        warn_if_untested_transformers()
        _check_settings(runtime, batch_size, encoder_batch)
        _check_placement(model, device, dtype, quantize, runtime)
        model = _placed(model.eval(), device, dtype)
        self.device, self.dtype = model.device, model.dtype
        on_cpu = self.device.type == "cpu"
        if encoder_batch is None:
            encoder_batch = 4 if on_cpu else batch_size
        self._size = _input_size(processor)
        self._mean, self._std = _normalisation(processor)
        # The decoder and the onnxruntime encoder are built from the fp32 weights, before
        # anything is quantised.
        self._decoder = _greedy_decoder(model, quantize)
        # A GPU prepares its own pixels, and its decoder looks at the host only every few steps.
        self._pixels_on_device = not on_cpu
        self._decoder.sync_every = None if on_cpu else _SYNC_EVERY
        self._onnx_encoder = None
        if runtime == "onnxruntime":
            cache = Path(onnx_cache) if onnx_cache is not None else None
            self._onnx_encoder = _onnx_encoder(
                model, self._size, self._decoder, quantize, threads, cache
            )
        self.model = _quantize(model, self._decoder, runtime) if quantize else model
        # With onnxruntime, only beam search runs the transformers model: quantise it (a copy,
        # 5 s for TrOCR-base) when a beam search first needs it, not for every greedy reader.
        self._quantize_for_beams = quantize and runtime != "torch"
        self.runtime = runtime
        self.threads = threads  # recorded only: see ``inksight.ocr.set_threads`` for torch's
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.name = name
        self.num_beams = num_beams
        self.max_new_tokens = max_new_tokens
        self.min_new_tokens = min_new_tokens
        self.batch_size = batch_size
        self.encoder_batch = encoder_batch
        self._eos = _end_token(self.model, self.tokenizer)
        self._start = self.model.config.decoder_start_token_id
        # One batch at a time: the onnxruntime encoder's memory buffer is reused between batches
        # (two cores gain nothing from concurrent batches anyway).
        self._batch_lock = threading.Lock()

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(r.text, r.mean_probability) for r in self.read(crops)]

    def read(self, crops: list[np.ndarray]) -> list[TrocrReading]:
        """Read line crops (RGB uint8 arrays) in batches; returns one reading per crop."""
        readings: list[TrocrReading] = []
        for start in range(0, len(crops), self.batch_size):
            readings.extend(self._read_batch(crops[start : start + self.batch_size]))
        return readings

    def pixel_values(self, crops: list[np.ndarray]) -> Any:
        """Resize and normalise crops into the model's input tensor.

        Done with OpenCV (area interpolation) instead of the processor's PIL path: same result
        for our purposes, several times faster for a batch of line crops.
        """
        import cv2  # here, so a GPU reader (``pixels_on_device``) runs without OpenCV
        import torch

        height, width = self._size
        batch = np.empty((len(crops), 3, height, width), dtype=np.float32)
        for row, crop in enumerate(crops):
            crop = np.asarray(crop)
            if crop.ndim == 2:
                crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)
            resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
            batch[row] = ((resized.astype(np.float32) / 255.0 - self._mean) / self._std).transpose(
                2, 0, 1
            )
        return torch.from_numpy(batch)

    def _read_batch(self, crops: list[np.ndarray]) -> list[TrocrReading]:
        import torch

        if not crops:
            return []
        with self._batch_lock, torch.inference_mode():
            if self._pixels_on_device:
                pixels = pixels_on_device(
                    crops, self._size, self._mean, self._std, self.device, self.dtype
                )
            else:
                pixels = self.pixel_values(crops).to(self.device, self.dtype)
            if self.num_beams > 1:
                decoded = self._beam_search(self.encode(pixels))
            elif self._onnx_encoder is not None:  # the decoder's memory comes with the encoder
                _, memory = self._onnx_encoder.with_memory(pixels, chunk=self.encoder_batch)
                decoded = self._greedy(memory=memory)
            else:
                decoded = self._greedy(self.encode(pixels))
        return [self._reading(tokens, log_probs) for tokens, log_probs in decoded]

    def encode(self, pixel_values: Any) -> Any:
        """The image encoder's last hidden state for a batch from ``pixel_values``."""
        import torch

        if self._onnx_encoder is not None:
            return self._onnx_encoder(pixel_values, chunk=self.encoder_batch)
        chunks = pixel_values.split(self.encoder_batch)
        hidden = [self.model.encoder(pixel_values=c).last_hidden_state for c in chunks]
        return hidden[0] if len(hidden) == 1 else torch.cat(hidden)

    def _greedy(
        self, hidden: Any = None, *, memory: Any = None
    ) -> list[tuple[list[int], list[float]]]:
        return self._decoder(
            hidden,
            memory=memory,
            start=self._start,
            eos=self._eos,
            max_new_tokens=self.max_new_tokens,
            min_new_tokens=self.min_new_tokens,
        )

    def _beam_search(self, hidden: Any) -> list[tuple[list[int], list[float]]]:
        from transformers.modeling_outputs import BaseModelOutput

        from inksight.ocr.engines.trocr.decoder import quantize_linears

        if self._quantize_for_beams:
            self.model = quantize_linears(self.model)
            self._quantize_for_beams = False
        output = self.model.generate(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
            num_beams=self.num_beams,
            max_new_tokens=self.max_new_tokens,
            min_new_tokens=self.min_new_tokens,
            do_sample=False,
            output_scores=True,
            return_dict_in_generate=True,
        )
        scores = self.model.compute_transition_scores(
            output.sequences, output.scores, output.beam_indices, normalize_logits=False
        )
        # sequences = [start token, generated...]; scores has one column per generated token.
        generated = output.sequences[:, -scores.shape[1] :]
        return [
            (row.tolist(), score.tolist()) for row, score in zip(generated, scores, strict=True)
        ]

    def _reading(self, tokens: list[int], log_probs: list[float]) -> TrocrReading:
        # Keep tokens up to and including the first end token; later ones are batch padding.
        end = tokens.index(self._eos) + 1 if self._eos in tokens else len(tokens)
        probabilities = [min(math.exp(value), 1.0) for value in log_probs[:end]]
        text = self.tokenizer.decode(tokens[:end], skip_special_tokens=True).strip()
        if end == 0 or not text:
            return TrocrReading(text, 0.0, 0.0)
        return TrocrReading(text, sum(probabilities) / end, min(probabilities))


def pixels_on_device(
    crops: list[np.ndarray],
    size: tuple[int, int],
    mean: np.ndarray,
    std: np.ndarray,
    device: Any,
    dtype: Any,
) -> Any:
    """Resize and normalise crops on ``device`` into a ``dtype`` batch ``(crop, 3, height, width)``.

    The GPU's preprocessing: a Python loop of OpenCV resizes cost a GPU more than the model
    (3.6 ms a line on the H200's host). The crops travel as one uint8 copy and are resized there
    with antialiased bilinear interpolation, as the processor's PIL resize does.
    """
    import torch
    from torch.nn import functional

    height, width = size
    arrays = [np.asarray(crop, dtype=np.uint8) for crop in crops]
    flat = torch.from_numpy(np.concatenate([array.reshape(-1) for array in arrays]))
    flat = flat.to(device, non_blocking=True)
    batch = torch.empty((len(arrays), 3, height, width), dtype=torch.float32, device=device)
    offset = 0
    for row, array in enumerate(arrays):
        image = flat[offset : offset + array.size].view(array.shape)
        offset += array.size
        if array.ndim == 2:  # grey
            image = image[:, :, None].expand(-1, -1, 3)
        image = image[:, :, :3].permute(2, 0, 1)[None].float()
        batch[row] = functional.interpolate(
            image, size=(height, width), mode="bilinear", antialias=True, align_corners=False
        )[0]
    scale = torch.as_tensor(1.0 / (255.0 * std), device=device).view(1, 3, 1, 1)
    shift = torch.as_tensor(-mean / std, device=device).view(1, 3, 1, 1)
    return batch.mul_(scale).add_(shift).to(dtype)


def _placed(model: Any, device: Any, dtype: Any) -> Any:
    """``model`` moved to ``device`` and converted to ``dtype`` (in place; None leaves it)."""
    if device is not None or dtype is not None:
        model.to(device=device, dtype=dtype)
    return model


def _check_placement(model: Any, device: Any, dtype: Any, quantize: bool, runtime: str) -> None:
    import torch

    device = model.device if device is None else torch.device(device)
    dtype = model.dtype if dtype is None else dtype
    if (quantize or runtime != "torch") and (device.type != "cpu" or dtype != torch.float32):
        raise OcrError(
            "TrOCR's int8 and onnxruntime options are for a float32 model on the CPU; "
            "on a GPU, or in bf16/fp16, read with the torch runtime and no int8."
        )


def _check_settings(runtime: str, batch_size: int, encoder_batch: int | None) -> None:
    if runtime not in RUNTIMES:
        raise OcrError(f"unknown TrOCR runtime {runtime!r}; choose {' or '.join(RUNTIMES)}.")
    if min(batch_size, 1 if encoder_batch is None else encoder_batch) < 1:
        raise OcrError("TrOCR's batch_size and encoder_batch must each be at least 1.")


def _input_size(processor: Any) -> tuple[int, int]:
    """(height, width) the image encoder takes."""
    size = processor.image_processor.size
    return int(size["height"]), int(size["width"])


def _normalisation(processor: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation the processor normalises pixels with."""
    image_processor = processor.image_processor
    mean = np.asarray(image_processor.image_mean, dtype=np.float32)
    std = np.asarray(image_processor.image_std, dtype=np.float32)
    return mean, std


def _greedy_decoder(model: Any, quantize: bool) -> Any:
    from inksight.ocr.engines.trocr.decoder import GreedyDecoder, cross_attention_dtype

    return GreedyDecoder(
        model.decoder,
        projection=getattr(model, "enc_to_dec_proj", None),  # when the widths differ
        cross_dtype=cross_attention_dtype(quantize, model.dtype),
    )


def _onnx_encoder(
    model: Any,
    size: tuple[int, int],
    decoder: Any,
    quantize: bool,
    threads: int | None,
    cache_dir: Path | None,
) -> Any:
    from inksight.ocr.engines.trocr.onnx_encoder import OnnxEncoder

    # Threads go to this onnxruntime session's own options, not to the process.
    return OnnxEncoder(
        model.encoder,
        size,
        decoder=decoder,
        quantize=quantize,
        threads=threads,
        cache_dir=cache_dir,
    )


def _quantize(model: Any, decoder: Any, runtime: str) -> Any:
    """Quantise the greedy decoder in place; returns the model the torch runtime encodes with."""
    from inksight.ocr.engines.trocr.decoder import quantize_linears

    decoder.quantize_()
    if runtime == "torch":  # its encoder reads with the model's own (quantised) layers
        return quantize_linears(model)
    return model


def _end_token(model: Any, tokenizer: Any) -> int:
    """The token id that ends a line: the generation config's, else the tokenizer's."""
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    if isinstance(eos, list):
        eos = eos[0]
    return eos


def build(
    *,
    model: str | Path | None = None,
    allow_download: bool = False,
    num_beams: int = 1,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    quantize: bool = False,
    threads: int | None = None,
    runtime: str = "torch",
    onnx_cache: str | Path | None = None,
    device: Any = None,
    dtype: Any = None,
    **options: Any,
):
    """Build an ``OcrEngine`` that finds lines with rapidocr's detector and reads them with TrOCR.

    Args:
        model: Folder or hub id (default ``DEFAULT_MODEL``).
        allow_download: Fetch missing weights from the hub.
        threads: CPU threads of each onnxruntime session (the detector's, and the encoder's with
            ``runtime="onnxruntime"``); torch's are set by the program (``inksight.ocr.set_threads``).
        device: ``torch.device`` TrOCR reads on (None: the CPU); the line detector stays on the CPU.
        dtype: ``torch.dtype`` TrOCR reads in (None: float32).
        **options: Passed to ``OcrEngine`` (``min_confidence``, ``flatten``, ...); ``detector``
            overrides the detector settings.
    """
    from inksight.ocr.engines.base import OcrEngine
    from inksight.ocr.engines.rapidocr import RapidDetector, load_models

    model = model or DEFAULT_MODEL
    network, processor = load_trocr(model, local_files_only=not allow_download)
    recognizer = TrocrRecognizer(
        network,
        processor,
        name=f"trocr:{model}",
        num_beams=num_beams,
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
        quantize=quantize,
        threads=threads,
        runtime=runtime,
        onnx_cache=onnx_cache,
        device=device,
        dtype=dtype,
    )
    detector = RapidDetector(load_models(threads=threads, detector=options.pop("detector", None)))
    return OcrEngine(recognizer, detector, **options)
