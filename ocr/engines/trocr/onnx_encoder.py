"""TrOCR's image encoder run by onnxruntime: the faster CPU path for the costliest part of TrOCR.

The encoder (a ViT/DeiT over the 577-578 patches of a 384 x 384 image) is most of TrOCR's time on
a CPU. It is exported to ONNX when the recogniser is built (seconds), optionally quantised to
dynamic int8, and shaped for onnxruntime's fast kernels:

- the patch embedding, a convolution whose stride is its kernel, becomes a matrix product, which
  gets the int8 kernels (a quantised convolution does not);
- each self-attention becomes onnxruntime's fused ``MultiHeadAttention`` operator;
- the decoder's cross-attention keys and values, for every layer, are computed in the same graph.

The decoder's steps stay in PyTorch (``trocr_decoder``), where its key/value cache lives. With
int8, this path is the faster one for both TrOCR-small and TrOCR-base in
``benchmarks/bench_trocr.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import math
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from inksight.ocr.errors import OcrError

if TYPE_CHECKING:
    from inksight.ocr.engines.trocr.decoder import GreedyDecoder

__all__ = ["OnnxEncoder"]

_FLOAT = 1  # onnx.TensorProto.FLOAT
_KEPT_GRAPHS = 4  # exported graphs kept in a cache folder, the most recently used


class OnnxEncoder:
    """The encoder and the decoder's cross-attention memory, in onnxruntime.

    Calling it maps ``pixel_values`` to ``last_hidden_state``; ``with_memory`` also returns the
    decoder's ``memory`` of it. The memory's matrix product (``GreedyDecoder.memory_projection``)
    is in the same graph, so it gets onnxruntime's int8 kernels too: for TrOCR-base, the keys and
    values of 12 layers for 577 positions cost a fifth of the encoder's arithmetic. torch then
    arranges and converts it (``GreedyDecoder.arrange_memory``). The graph always computes both.

    The memory is written into a buffer kept between calls, so it is valid until the next call;
    callers decoding from it must not call again meanwhile (``TrocrRecognizer`` holds a lock).

    Args:
        encoder: The ``VisionEncoderDecoderModel.encoder`` module (fp32, eval mode).
        image_size: ``(height, width)`` of the model's input.
        decoder: The float32 ``GreedyDecoder`` whose memory (cross-attention keys and values)
            comes with the encoder's output.
        quantize: Dynamic int8 quantisation of the exported graph's matrix products.
        threads: onnxruntime intra-op threads (None: onnxruntime's default, all cores).
        cache_dir: Keep the exported (and quantised) graph here, under a name derived from the
            weights and the versions that shape it, and reuse it next time: exporting and
            quantising TrOCR-base takes about 15 s here. None: export every time.
    """

    def __init__(
        self,
        encoder: Any,
        image_size: tuple[int, int],
        *,
        decoder: GreedyDecoder,
        quantize: bool = False,
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        import onnxruntime as ort

        with tempfile.TemporaryDirectory(prefix="inksight-trocr-") as folder:
            path = _graph(encoder, image_size, decoder, quantize, cache_dir, Path(folder))
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Idle onnxruntime threads would spin and take the cores the torch decoder needs next.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if threads:
                options.intra_op_num_threads = int(threads)
            # The session reads the file now; the folder may go once it exists.
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        # (lines, positions, features): only the lines vary; the export fixed the rest.
        (projected,) = (out for out in self.session.get_outputs() if out.name == "projected_memory")
        self._projected_shape = (int(projected.shape[1]), int(projected.shape[2]))
        self._decoder = decoder
        self._buffers: dict[str, torch.Tensor] = {}

    def __call__(self, pixel_values: torch.Tensor, *, chunk: int | None = None) -> torch.Tensor:
        return self.with_memory(pixel_values, chunk=chunk)[0]

    @torch.inference_mode()  # the buffers are written in place, whoever calls
    def with_memory(
        self, pixel_values: torch.Tensor, *, chunk: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(last_hidden_state, memory)``.

        ``chunk`` lines go through onnxruntime at a time (all when None): per line, TrOCR-base's
        encoder ran about a fifth faster here in chunks of 4 than 16 at once, while the decoder
        gains from the larger batch.
        """
        lines = len(pixel_values)
        chunk = min(chunk or lines, lines)
        positions, features = self._projected_shape
        memory = self._reused_buffer(
            "memory", self._decoder.memory_shape(lines, positions), self._decoder.cross_dtype
        )
        hidden = []
        for start in range(0, lines, chunk):
            part = pixel_values[start : start + chunk]
            projected = self._reused_buffer("projected", [len(part), positions, features])
            hidden.append(self._run(part, projected))
            # The graph leaves the layout to torch: onnxruntime's Transpose, Concat and Cast of
            # it took longer than its matrix product.
            self._decoder.arrange_memory(projected, memory[:, :, start : start + len(part)])
        return torch.cat(hidden) if len(hidden) > 1 else hidden[0], memory

    def _run(self, pixel_values: torch.Tensor, projected: torch.Tensor) -> torch.Tensor:
        """One onnxruntime call; the projected memory is written into ``projected``."""
        binding = self.session.io_binding()
        binding.bind_cpu_input("pixel_values", pixel_values.numpy())
        binding.bind_output("last_hidden_state")
        binding.bind_output(
            "projected_memory", "cpu", 0, _FLOAT, list(projected.shape), projected.data_ptr()
        )
        self.session.run_with_iobinding(binding)
        return torch.from_numpy(binding.get_outputs()[0].numpy())

    def _reused_buffer(
        self, name: str, shape: list[int], dtype: torch.dtype = torch.float32
    ) -> torch.Tensor:
        """A contiguous ``shape`` view of buffer ``name``, kept between calls and grown as needed.

        A fresh tensor per batch (225 MB for 8 lines of TrOCR-base) is page-faulted in while it
        is written: that cost base's encoder about a fifth of its time here.
        """
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.numel() < size:
            self._buffers.pop(name, None)  # let the smaller one go before allocating
            buffer = self._buffers[name] = torch.empty(size, dtype=dtype)
        return buffer[:size].view(shape)


def _graph(
    encoder: Any,
    image_size: tuple[int, int],
    decoder: GreedyDecoder,
    quantize: bool,
    cache_dir: Path | None,
    scratch: Path,
) -> Path:
    """The graph file for these weights: from ``cache_dir`` when it holds it, else exported into
    ``scratch`` and stored in ``cache_dir``.
    """
    cached = None
    if cache_dir is not None:
        key = _graph_key(encoder, image_size, decoder, quantize)
        cached = Path(cache_dir) / f"trocr-encoder-{key}.onnx"
        if cached.is_file():
            with contextlib.suppress(OSError):
                os.utime(cached)  # recently used: kept by _store's pruning
            return cached
    path = _export(encoder, image_size, scratch / "encoder.onnx", decoder)
    if quantize:
        path = _quantize(path)
    if cached is not None:
        _store(path, cached)
    return path


def _graph_key(
    encoder: Any, image_size: tuple[int, int], decoder: GreedyDecoder, quantize: bool
) -> str:
    """A digest of everything the graph file depends on: the weights it holds, the encoder's
    configuration, the input size, int8 or not, the code that exports it and the versions of the
    libraries that trace and quantise it. Hashing TrOCR-base's weights takes about 0.25 s here.
    """
    import onnxruntime
    import transformers

    from inksight.ocr.engines.trocr import decoder as trocr_decoder

    digest = hashlib.sha256()  # with the CPU's SHA instructions, about 1.7 GB/s here
    for text in (
        repr((tuple(image_size), quantize)),
        encoder.config.to_json_string(),
        torch.__version__,
        onnxruntime.__version__,
        transformers.__version__,
        inspect.getsource(sys.modules[__name__]),
        inspect.getsource(trocr_decoder),
    ):
        digest.update(text.encode())
    for module in (encoder, decoder.memory_projection):
        for name, tensor in module.state_dict().items():
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()[:32]


def _store(path: Path, cached: Path) -> None:
    """Copy the graph into the cache; a copy that cannot be made only costs the next export.

    The file appears under its final name in one rename, so another process reading the cache
    never sees half a graph.
    """
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, partial)
        os.replace(partial, cached)
        # One graph per model and setting (base's int8 graph is about 100 MB): keep the latest.
        graphs = sorted(cached.parent.glob("trocr-encoder-*.onnx"), key=lambda f: f.stat().st_mtime)
        for old in graphs[:-_KEPT_GRAPHS]:
            old.unlink(missing_ok=True)
    except OSError as error:
        partial.unlink(missing_ok=True)
        logging.getLogger(__name__).warning("could not cache the TrOCR encoder graph: %s", error)


def _export(
    encoder: Any,
    image_size: tuple[int, int],
    path: Path,
    decoder: GreedyDecoder,
) -> Path:
    """Write the graph to ``path``: pixels in, the last hidden state and the projected memory
    ``(lines, positions, features)`` out.
    """

    class Graph(torch.nn.Module):
        """Pixels in; the last hidden state and the projected memory out."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.decoder = decoder

        def forward(self, pixel_values: torch.Tensor) -> Any:
            hidden = self.encoder(pixel_values=pixel_values).last_hidden_state
            return hidden, self.decoder.memory_projection(hidden)

    height, width = image_size
    example = torch.zeros((2, 3, height, width), dtype=torch.float32)
    axes = {
        name: {0: "batch"} for name in ("pixel_values", "last_hidden_state", "projected_memory")
    }
    try:
        with (
            warnings.catch_warnings(),
            torch.inference_mode(False),
            torch.no_grad(),
            _patches_as_matmul(encoder),
            _fused_attention(encoder),
        ):
            warnings.simplefilter("ignore")  # tracer notes about shape checks we do not need
            graph = Graph().eval()
            torch.onnx.export(
                graph,
                (example,),
                str(path),
                input_names=["pixel_values"],
                output_names=list(axes)[1:],
                dynamic_axes=axes,
                opset_version=18,
                custom_opsets={"com.microsoft": 1},
                dynamo=False,
            )
    except (ImportError, RuntimeError) as error:
        raise OcrError(
            f"could not export the TrOCR encoder to ONNX ({str(error).splitlines()[0][:160]}); "
            "use the PyTorch encoder (--trocr-runtime torch)."
        ) from None
    return path


@contextlib.contextmanager
def _patches_as_matmul(encoder: Any) -> Iterator[None]:
    """Export the patch embedding (a convolution whose stride is its kernel) as a matrix product.

    onnxruntime quantises a MatMul with its fast int8 kernels but runs the ConvInteger of a
    quantised convolution several times slower (10 of TrOCR-base's 250 ms per line here).
    """
    swapped = []
    for module in encoder.modules():
        for name, child in module.named_children():
            if isinstance(child, torch.nn.Conv2d) and _is_patch_projection(child):
                setattr(module, name, _PatchProjection(child))
                swapped.append((module, name, child))
    try:
        yield
    finally:
        for module, name, child in swapped:
            setattr(module, name, child)


_ATTENTION = "inksight_onnx_attention"


@contextlib.contextmanager
def _fused_attention(encoder: Any) -> Iterator[None]:
    """Export each self-attention as onnxruntime's fused ``MultiHeadAttention`` operator.

    It replaces two batched matrix products, a softmax and the transposes between them: in an
    interleaved comparison here, TrOCR-small's int8 encoder went from 0.093 to 0.085 s per line.
    """
    from transformers import AttentionInterface

    AttentionInterface.register(_ATTENTION, _multi_head_attention)
    config = encoder.config
    before = config._attn_implementation
    config._attn_implementation = _ATTENTION
    try:
        yield
    finally:
        config._attn_implementation = before


def _multi_head_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' attention interface: (batch, heads, positions, head_dim) in and out."""
    if attention_mask is not None:
        raise OcrError(
            "the TrOCR encoder's attention has a mask, which the export does not handle."
        )
    # Shapes read from traced tensors would be traced values; the operator needs plain numbers.
    heads = int(module.num_attention_heads)
    # Older transformers 5 releases call it ``attention_head_size``, newer ones ``head_dim``.
    head_dim = int(getattr(module, "head_dim", None) or module.attention_head_size)
    scale = float(scaling if scaling is not None else head_dim**-0.5)

    def flat(states: torch.Tensor) -> torch.Tensor:  # (batch, positions, heads * head_dim)
        return states.transpose(1, 2).flatten(2)

    attended = _MultiHeadAttention.apply(flat(query), flat(key), flat(value), heads, scale)
    return attended.unflatten(2, (heads, head_dim)), None


class _MultiHeadAttention(torch.autograd.Function):
    """Softmax attention over (batch, positions, heads * head_dim); ONNX: com.microsoft's op."""

    @staticmethod
    def forward(
        ctx: Any,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        heads: int,
        scale: float,
    ) -> torch.Tensor:
        def split(states: torch.Tensor) -> torch.Tensor:
            return states.unflatten(2, (heads, -1)).transpose(1, 2)

        attended = torch.nn.functional.scaled_dot_product_attention(
            split(query), split(key), split(value), scale=scale
        )
        return attended.transpose(1, 2).flatten(2)

    @staticmethod
    def symbolic(
        graph: Any, query: Any, key: Any, value: Any, heads: int, scale: float
    ) -> Any:  # graph values, not tensors
        attended = graph.op(
            "com.microsoft::MultiHeadAttention", query, key, value, num_heads_i=heads, scale_f=scale
        )
        # The output has the query's type and shape. Saying so spares the exporter's shape
        # inference, which cannot read this operator and printed a C++ warning per layer.
        attended.setType(query.type())
        return attended


def _is_patch_projection(conv: Any) -> bool:
    return (
        tuple(conv.kernel_size) == tuple(conv.stride)
        and tuple(conv.padding) == (0, 0)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
    )


class _PatchProjection(torch.nn.Module):
    """``conv`` on non-overlapping patches, computed as one matrix product."""

    def __init__(self, conv: torch.nn.Conv2d) -> None:
        super().__init__()
        self.patch = tuple(conv.kernel_size)
        self.linear = torch.nn.Linear(conv.weight[0].numel(), conv.out_channels)
        with torch.no_grad():
            self.linear.weight.copy_(conv.weight.reshape(conv.out_channels, -1))
            self.linear.bias.copy_(conv.bias if conv.bias is not None else 0.0)

    @property
    def weight(self) -> torch.Tensor:  # transformers reads the projection's dtype from it
        return self.linear.weight

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        channels, height, width = pixels.shape[1:]
        rows, columns = height // self.patch[0], width // self.patch[1]
        patches = pixels.reshape(-1, channels, rows, self.patch[0], columns, self.patch[1])
        patches = patches.permute(0, 2, 4, 1, 3, 5).reshape(
            -1, rows * columns, channels * self.patch[0] * self.patch[1]
        )
        out = self.linear(patches)  # (batch, patches, out_channels)
        return out.transpose(1, 2).reshape(-1, self.linear.out_features, rows, columns)


def _quantize(path: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = path.with_name("encoder.int8.onnx")
    with _quiet_root_logger():  # its advice on static pre-processing, printed every time
        quantize_dynamic(str(path), str(quantized), weight_type=QuantType.QInt8)
    return quantized


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Drop this thread's root-logger records below ERROR while it runs; nothing else changes.

    onnxruntime's quantiser logs with ``logging.warning``, which also calls ``basicConfig`` when
    the root logger has no handler. Python's last-resort handler, what a handler-less root uses
    anyway, stands in meanwhile, so the program's own ``basicConfig`` later still takes effect.
    (``logging.disable`` would silence every logger of every thread and, undone, would drop a
    level the program had disabled itself.)
    """
    root = logging.getLogger()
    thread = threading.get_ident()

    def keep(record: logging.LogRecord) -> bool:
        return record.thread != thread or record.levelno >= logging.ERROR

    stand_in = None if root.handlers else (logging.lastResort or logging.NullHandler())
    if stand_in is not None:
        root.addHandler(stand_in)
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)
        if stand_in is not None:
            root.removeHandler(stand_in)
