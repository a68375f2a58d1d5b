"""A lean greedy decoder for TrOCR: the same network as ``model.decoder``, fewer and larger steps.

On a CPU, ``transformers``' decoder step spends much of its time outside arithmetic: a growing
key/value cache concatenated every step, three separate projections per attention, batched
matrix products over per-head views. This module runs the same weights with:

- the self-attention query, key and value projections fused into one matrix, the
  ``head_dim ** -0.5`` scaling folded into the query;
- every layer's cross-attention key and value projections fused into one matrix, with the
  encoder-to-decoder projection (when the widths differ) folded in;
- key/value caches allocated once per batch and written in place;
- the cross-attention keys and values computed once per batch, optionally stored as bfloat16 (they
  are read in full at every step, so their size sets the step's memory traffic);
- finished lines dropped from every cache once a quarter of the batch has ended (dropping
  copies the caches, so not for every line).
- float32 products computed by oneDNN rather than torch's default BLAS (MKL), which ran them
  1.7-2.6x slower on this AMD CPU.

On a GPU (``sync_every``), lines stay in the batch until all have ended, which is checked only
every few steps: every step's tokens and scores stay on the device, so the GPU never waits for
the host. Caches are kept in the model's dtype (bfloat16 or float16 models work too); softmaxes
are computed in float32.

It reads transformers' TrOCR modules (``TrOCRDecoderLayer``'s projections and norms) but calls
none of their ``forward`` methods with keywords, whose names change between versions (5.25
renamed the position embedding's ``past_key_values_length`` to ``cache_length``).

It is a reimplementation, so ``tests/ocr/test_trocr.py`` checks it against ``generate`` token for token.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["GreedyDecoder", "cross_attention_dtype", "quantize_linears"]


def cross_attention_dtype(quantize: bool, dtype: torch.dtype = torch.float32) -> torch.dtype:
    """The cross-attention keys/values' type: the model's ``dtype``, or bfloat16 when quantising
    on a CPU that computes in it.

    Halving what every step reads made TrOCR-base's int8 decoder about 20% faster here
    (``benchmarks/bench_trocr.py``); without native bfloat16 it would be emulated and slower.
    Unquantised float32 models keep float32, so they read exactly as ``generate`` does.
    """
    if dtype != torch.float32:
        return dtype
    return torch.bfloat16 if quantize and _cpu_has_bfloat16() else torch.float32


def quantize_linears(module: nn.Module, *, inplace: bool = False) -> nn.Module:
    """Dynamic int8 quantisation of every ``nn.Linear`` in ``module`` (a copy unless ``inplace``).

    torch 2.13 warns on every call that this eager API is deprecated in favour of torchao, which
    Inksight does not install; a reader of the output can do nothing about it, so it is silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", r"torch\.quantize_per_tensor, .* are deprecated")
        return torch.ao.quantization.quantize_dynamic(
            module, {nn.Linear}, dtype=torch.qint8, inplace=inplace
        )


def _cpu_has_bfloat16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: assume no native bfloat16
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _choose(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's most likely token and its log-probability.

    On a CPU, NumPy's argmax and torch's softmax are each several times faster than torch's
    ``max(dim)`` and ``logsumexp`` over a 50-64k vocabulary (about 0.4 ms a step saved).
    """
    if logits.device.type == "cpu":
        chosen = torch.from_numpy(logits.numpy().argmax(axis=1))
    else:
        chosen = logits.argmax(dim=-1)
    best = logits.softmax(dim=-1).gather(1, chosen[:, None])[:, 0].log()
    return chosen, best


_MEMORY_CHUNK = 4  # lines whose memory ``GreedyDecoder.memory`` computes at a time on a CPU
_DEVICE_MEMORY_CHUNK = 64  # on a GPU: bounds the projection's temporary (1.8 GB for base bf16)

# oneDNN's fused linear (what torch.compile uses on CPUs); absent from some builds.
_ONEDNN_LINEAR = getattr(getattr(torch.ops, "mkldnn", None), "_linear_pointwise", None)


def _linear(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``module(x)``, with a float32 ``nn.Linear`` on the CPU computed by oneDNN.

    On this AMD CPU, torch's default BLAS (Intel's MKL) ran the decoder's products for 16 rows at
    18-27 GMAC/s and oneDNN at 47 (the 50k-word output layer: 45 against 18 ms). Quantised
    layers keep their own int8 kernels.
    """
    if (
        _ONEDNN_LINEAR is not None
        and type(module) is nn.Linear
        and x.dtype == torch.float32
        and x.device.type == "cpu"
    ):
        return _ONEDNN_LINEAR(x, module.weight, module.bias, "none", [], "")
    return module(x)


def _contiguous(tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``tensor`` as a contiguous ``dtype`` tensor, in one pass (none when it already is)."""
    if tensor.dtype == dtype and tensor.is_contiguous():
        return tensor
    return torch.empty(tensor.shape, dtype=dtype, device=tensor.device).copy_(tensor)


class _Layer(nn.Module):
    """One TrOCR decoder layer with fused projections (post-norm, as in TrOCR)."""

    def __init__(self, layer: Any) -> None:
        super().__init__()
        attention, cross = layer.self_attn, layer.encoder_attn
        self.heads = attention.num_heads
        self.qkv = _fused(
            [attention.q_proj, attention.k_proj, attention.v_proj], [attention.scaling, 1.0, 1.0]
        )
        self.self_out = attention.out_proj
        self.self_norm = layer.self_attn_layer_norm
        self.cross_q = _fused([cross.q_proj], [cross.scaling])
        self.cross_out = cross.out_proj
        self.cross_norm = layer.encoder_attn_layer_norm
        self.fc1, self.fc2 = layer.fc1, layer.fc2
        self.activation = layer.activation_fn
        self.final_norm = layer.final_layer_norm


def _fused(linears: list[nn.Linear], scales: list[float]) -> nn.Linear:
    """One Linear computing several, each output block multiplied by its scale."""
    weight = torch.cat(
        [linear.weight.detach() * s for linear, s in zip(linears, scales, strict=True)]
    )
    biases = [
        linear.bias.detach() * s
        if linear.bias is not None
        else weight.new_zeros(linear.out_features)
        for linear, s in zip(linears, scales, strict=True)
    ]
    fused = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype, device=weight.device)
    with torch.no_grad():
        fused.weight.copy_(weight)
        fused.bias.copy_(torch.cat(biases))
    return fused


def _memory_projection(layers: Any, projection: nn.Linear | None) -> nn.Module:
    """The encoder output to every layer's cross-attention keys and values, in one matrix product
    instead of two per layer.

    When the encoder is narrower than the decoder (TrOCR-base: 768 to 1024), ``enc_to_dec_proj``
    is folded in: ``W (P h + p) + b`` is ``(W P) h + (W p + b)``, which multiplies by 768
    columns instead of 1024 and skips a product. When it is wider (TrOCR-small: 384 to 256),
    folding would add arithmetic, so the projection stays in front.
    """
    attentions = [layer.encoder_attn for layer in layers]
    linears = [linear for a in attentions for linear in (a.k_proj, a.v_proj)]
    fused = _fused(linears, [1.0] * len(linears))
    if projection is None:
        return fused
    if projection.in_features > projection.out_features:
        return nn.Sequential(projection, fused)
    weight = fused.weight.detach().double()
    folded = nn.Linear(
        projection.in_features, weight.shape[0], dtype=fused.weight.dtype, device=weight.device
    )
    with torch.no_grad():
        folded.weight.copy_(weight @ projection.weight.detach().double())
        folded.bias.copy_(weight @ projection.bias.detach().double() + fused.bias.double())
    return folded


class GreedyDecoder(nn.Module):
    """Greedy decoding with ``TrOCRForCausalLM``'s weights.

    Args:
        decoder: ``VisionEncoderDecoderModel.decoder`` (a ``TrOCRForCausalLM``), fp32, eval mode.
        projection: ``enc_to_dec_proj`` when the encoder and decoder widths differ, else None.
        cross_dtype: Storage type of the cross-attention keys and values (``torch.bfloat16``
            halves the memory each step reads; ``torch.float32`` reproduces ``generate`` exactly).

    ``sync_every`` (None here) chooses the loop: None drops ended lines from the batch, which
    asks the host every step (right for a CPU); a number keeps every line to the end and asks
    whether all have ended only every that many steps (a GPU then never waits).
    """

    def __init__(
        self,
        decoder: Any,
        *,
        projection: nn.Linear | None = None,
        cross_dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        inner = decoder.model.decoder
        self.embed_tokens = inner.embed_tokens  # scales by sqrt(d_model) itself when configured
        self.embed_positions = inner.embed_positions
        self.layernorm_embedding = inner.layernorm_embedding
        self.layers = nn.ModuleList(_Layer(layer) for layer in inner.layers)
        self.output_projection = decoder.output_projection
        self.memory_projection = _memory_projection(inner.layers, projection)
        self.cross_dtype = cross_dtype
        self.sync_every: int | None = None
        self.eval()

    def quantize_(self) -> GreedyDecoder:
        """Dynamic int8 quantisation of every Linear, in place (after any ONNX export)."""
        quantize_linears(self, inplace=True)
        return self

    def memory(self, hidden: torch.Tensor) -> torch.Tensor:
        """Every layer's cross-attention keys and values for a batch of encoder outputs.

        Returns a ``cross_dtype`` tensor ``(layer, key/value, line, head, position, head_dim)``;
        ``forward`` takes it instead of ``hidden``. ``trocr_onnx`` computes
        ``memory_projection(hidden)`` with the encoder and calls ``arrange_memory`` itself.
        """
        lines, positions, _ = hidden.shape
        memory = torch.empty(
            self.memory_shape(lines, positions), dtype=self.cross_dtype, device=hidden.device
        )
        # A few lines at a time: for 16 lines of TrOCR-base, one product's 900 MB float32 output
        # made this about a third slower than chunks of 4.
        chunk = _MEMORY_CHUNK if hidden.device.type == "cpu" else _DEVICE_MEMORY_CHUNK
        for start in range(0, lines, chunk):
            stop = start + chunk
            self.arrange_memory(
                self.memory_projection(hidden[start:stop]), memory[:, :, start:stop]
            )
        return memory

    def memory_shape(self, lines: int, positions: int) -> list[int]:
        """``(layer, key/value, line, head, position, head_dim)``."""
        heads = self.layers[0].heads
        head_dim = self.layers[0].self_out.in_features // heads
        return [len(self.layers), 2, lines, heads, positions, head_dim]

    def arrange_memory(self, projected: torch.Tensor, memory: torch.Tensor) -> None:
        """Write ``memory_projection``'s output ``(line, position, layer * key/value * head *
        head_dim)`` into ``memory`` (``memory_shape``, any dtype), converting in the same pass.
        """
        lines, positions, _ = projected.shape
        layers, _, _, heads, _, _ = self.memory_shape(lines, positions)
        split = projected.view(lines, positions, layers, 2, heads, -1)
        memory.copy_(split.permute(2, 3, 0, 4, 1, 5))

    @torch.inference_mode()
    def forward(
        self,
        hidden: torch.Tensor | None = None,
        *,
        memory: torch.Tensor | None = None,
        start: int,
        eos: int,
        max_new_tokens: int,
        min_new_tokens: int = 0,
    ) -> list[tuple[list[int], list[float]]]:
        """Decode a batch of encoder outputs (or their ``memory``); per line, its tokens and
        their log-probabilities. Each line stops at its end token (which is kept) or after
        ``max_new_tokens``.
        """
        if memory is None:
            memory = self.memory(hidden)
        crosses = [_contiguous(layer, self.cross_dtype) for layer in memory]
        batch = _Batch.start(crosses, max_new_tokens, self._positions(max_new_tokens, start))
        if self.sync_every:
            return self._decode_in_place(batch, start, eos, max_new_tokens, min_new_tokens)
        rows = len(batch.rows)
        tokens: list[list[int]] = [[] for _ in range(rows)]
        log_probs: list[list[float]] = [[] for _ in range(rows)]
        step = torch.full((rows,), start, dtype=torch.long, device=crosses[0].device)
        done = torch.zeros(rows, dtype=torch.bool, device=step.device)
        for position in range(max_new_tokens):
            logits = self._step_logits(batch, step, position).float()
            if position < min_new_tokens:
                logits[:, eos] = -float("inf")
            chosen, best = _choose(logits)
            for row, finished, token, score in zip(
                batch.rows.tolist(), done.tolist(), chosen.tolist(), best.tolist(), strict=True
            ):
                if not finished:
                    tokens[row].append(token)
                    log_probs[row].append(score)
            done |= chosen == eos
            if bool(done.all()):
                break
            # Dropping lines copies every cache, so wait until a quarter of the batch is done.
            if int(done.sum()) >= max(1, len(done) // 4):
                keep = (~done).nonzero().squeeze(1)
                batch.keep(keep)
                chosen, done = chosen[keep], done[keep]
            step = chosen
        return list(zip(tokens, log_probs, strict=True))

    def _decode_in_place(
        self, batch: _Batch, start: int, eos: int, max_new_tokens: int, min_new_tokens: int
    ) -> list[tuple[list[int], list[float]]]:
        """``forward``'s loop for a GPU: every line to the end, the host asked every
        ``sync_every`` steps whether all have ended; tokens after a line's end are cut here."""
        rows, device = len(batch.rows), batch.positions.device
        chosen_tokens = torch.empty((rows, max_new_tokens), dtype=torch.long, device=device)
        scores = torch.empty((rows, max_new_tokens), dtype=torch.float32, device=device)
        step = torch.full((rows,), start, dtype=torch.long, device=device)
        done = torch.zeros(rows, dtype=torch.bool, device=device)
        steps = 0
        for position in range(max_new_tokens):
            logits = self._step_logits(batch, step, position).float()
            if position < min_new_tokens:
                logits[:, eos] = -float("inf")
            step, scores[:, position] = _choose(logits)
            chosen_tokens[:, position] = step
            done |= step == eos
            steps = position + 1
            if steps % self.sync_every == 0 and bool(done.all()):
                break
        decoded = []
        for tokens, log_probs in zip(
            chosen_tokens[:, :steps].tolist(), scores[:, :steps].tolist(), strict=True
        ):
            end = tokens.index(eos) + 1 if eos in tokens else steps
            decoded.append((tokens[:end], log_probs[:end]))
        return decoded

    def _positions(self, length: int, token: int) -> torch.Tensor:
        """The position embeddings of positions ``0 .. length - 1``, ``(length, d_model)``.

        Asked for a whole sequence of ``token`` (any id but padding) with the embedding's
        defaults, so no keyword whose name changed between transformers versions is passed.
        """
        device = self.embed_tokens.weight.device
        ids = torch.full((1, length), token, dtype=torch.long, device=device)
        return self.embed_positions(ids)[0].to(self.embed_tokens.weight.dtype)

    def _step_logits(self, batch: _Batch, step: torch.Tensor, position: int) -> torch.Tensor:
        """Next-token logits for one new token per line at ``position``."""
        rows = step.shape[0]
        x = self.embed_tokens(step) + batch.positions[position]
        if self.layernorm_embedding is not None:
            x = self.layernorm_embedding(x)
        for layer, (cross_keys, cross_values, keys, values) in zip(
            self.layers, batch.caches, strict=True
        ):
            q, k, v = _linear(layer.qkv, x).view(rows, 3, layer.heads, -1).unbind(1)
            keys[:, :, position] = k
            values[:, :, position] = v
            scores = q[:, :, None] @ keys[:, :, : position + 1].transpose(2, 3)
            weights = scores.float().softmax(-1).to(values.dtype)  # float32 softmax always
            attended = (weights @ values[:, :, : position + 1]).reshape(rows, -1)
            x = layer.self_norm(x + _linear(layer.self_out, attended))
            q = _linear(layer.cross_q, x).view(rows, layer.heads, 1, -1).to(self.cross_dtype)
            scores = (q @ cross_keys.transpose(2, 3)).float()
            weights = scores.softmax(-1).to(self.cross_dtype)
            attended = (weights @ cross_values).reshape(rows, -1).to(x.dtype)
            x = layer.cross_norm(x + _linear(layer.cross_out, attended))
            hidden = layer.activation(_linear(layer.fc1, x))
            x = layer.final_norm(x + _linear(layer.fc2, hidden))
        return _linear(self.output_projection, x)


@dataclass
class _Batch:
    """The lines still being decoded (their rows in the caller's batch) and their caches.

    ``caches`` holds, per layer: cross-attention keys and values, then the self-attention keys
    and values, each ``(line, head, position, head_dim)``; ``positions`` the position
    embeddings, ``(position, d_model)``, shared by every line.
    """

    rows: torch.Tensor
    caches: list[list[torch.Tensor]]
    positions: torch.Tensor

    @classmethod
    def start(cls, crosses: list[torch.Tensor], length: int, positions: torch.Tensor) -> _Batch:
        """Per layer, its cross-attention keys and values and empty self-attention caches (in
        the model's dtype, the positions')."""
        caches = []
        for keys_values in crosses:
            _, rows, heads, _, head_dim = keys_values.shape
            own = torch.empty(
                (2, rows, heads, length, head_dim),
                dtype=positions.dtype,
                device=keys_values.device,
            )
            caches.append([keys_values[0], keys_values[1], own[0], own[1]])
        return cls(torch.arange(rows), caches, positions)

    def keep(self, keep: torch.Tensor) -> None:
        """Drop finished lines from the batch and from every cache."""
        self.rows = self.rows[keep.cpu()]
        self.caches = [[cache[keep] for cache in layer] for layer in self.caches]
