"""Splitting labelled reviews, turning tokens into index sequences, and batching them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from inksight.nlp.vocab import Vocab, add_bigrams

__all__ = [
    "SPLITS",
    "LengthBucketSampler",
    "ReviewWindows",
    "SequenceDataset",
    "batch_logits",
    "collate_batch",
    "encode_parts",
    "encode_sequences",
    "stratified_split",
]

SPLITS = ("train", "val", "test")


def stratified_split(
    texts: Sequence[str],
    labels: Sequence[int],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 13,
) -> np.ndarray:
    """Assign each review to train/val/test, stratified by label.

    Reviews with identical text form one group that lands on one side only, so a duplicate can
    never leak from training into the test score. Same inputs and seed give the same split.
    """
    if abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ValueError("split fractions must be non-negative and sum to 1.")
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(" ".join(text.split()), []).append(i)
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(texts), dtype=object)
    for label in sorted(set(labels)):
        members = [g for g in groups.values() if labels[g[0]] == label]
        order = rng.permutation(len(members))
        total = sum(len(g) for g in members)
        bounds = np.cumsum(fractions)[:-1] * total
        seen = 0
        for idx in order:
            group = members[idx]
            side = SPLITS[int(np.searchsorted(bounds, seen, side="right"))]
            assignment[group] = side
            seen += len(group)
    return assignment.astype(str)


def encode_sequences(
    token_lists: Sequence[Sequence[str]], vocab: Vocab, *, max_len: int = 400, bigrams: bool = False
) -> list[np.ndarray]:
    """Index sequences: the first ``max_len`` tokens (plus their bigrams when asked)."""
    out = []
    for tokens in token_lists:
        tokens = list(tokens[:max_len])
        out.append(vocab.encode(add_bigrams(tokens) if bigrams else tokens))
    return out


def encode_parts(
    token_lists: Sequence[Sequence[str]], vocab: Vocab, *, max_len: int = 400, bigrams: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per review: the ids of its first ``max_len`` tokens and of each adjacent pair (empty
    without bigrams). Concatenated they equal ``encode_sequences``; kept apart, any window of
    the review can be cut without tokenizing again."""
    out = []
    for tokens in token_lists:
        tokens = list(tokens[:max_len])
        pairs = [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)] if bigrams else []
        out.append((vocab.encode(tokens), vocab.encode(pairs)))
    return out


class ReviewWindows(Dataset):
    """Training reviews served whole and, as extra examples, as random windows of themselves.

    A window of 3-12 tokens looks like a one-sentence review, 12-60 like a paragraph; it keeps
    its review's label. Training on them teaches the model to decide from a few words, which a
    model that only ever saw 230-token reviews does badly. Each item after the first
    ``len(reviews)`` is a fresh random window, so every epoch sees different crops. Token
    dropout removes each unigram/bigram feature with probability ``token_dropout`` (at least one
    stays), so no single word can carry a review. With ``targets`` (P(positive) per review, e.g.
    mixed with a teacher's), each item also carries its review's target for a soft loss; with
    ``window_targets`` (review index, window ids -> P(positive)), each window carries its own.
    """

    def __init__(
        self,
        parts: Sequence[tuple[np.ndarray, np.ndarray]],
        labels: Sequence[int],
        *,
        crops_per_review: int = 0,
        window: tuple[int, int] = (3, 60),
        token_dropout: float = 0.0,
        seed: int = 13,
        targets: Sequence[float] | None = None,
        window_targets: Callable[[int, np.ndarray], float] | None = None,
    ) -> None:
        if len(parts) != len(labels) or (targets is not None and len(targets) != len(labels)):
            raise ValueError("parts, labels and targets differ in length.")
        self.parts = parts
        self.labels = np.asarray(labels, dtype=np.int64)
        if targets is None and window_targets is not None:
            targets = self.labels  # whole reviews keep their labels as targets
        self.targets = None if targets is None else np.asarray(targets, dtype=np.float32)
        self.window_targets = window_targets
        self.crops = crops_per_review
        self.window = window
        self.token_dropout = token_dropout
        self.rng = np.random.default_rng(seed)
        whole = [len(u) + len(b) for u, b in parts]
        # Crops are bucketed by their typical length; the sampler needs lengths up front.
        typical = int(np.sqrt(window[0] * window[1]))
        cropped = [min(n, 2 * typical) for n in whole]
        self.lengths = whole + cropped * crops_per_review

    def __len__(self) -> int:
        return len(self.parts) * (1 + self.crops)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int] | tuple[np.ndarray, int, float]:
        review = index % len(self.parts)
        unigrams, pairs = self.parts[review]
        windowed = index >= len(self.parts) and len(unigrams) > self.window[0]
        if windowed:
            low, high = self.window
            # Log-uniform length: as many sentence-sized windows as paragraph-sized ones.
            size = int(np.exp(self.rng.uniform(np.log(low), np.log(high + 1))))
            size = min(max(size, 1), len(unigrams))
            start = int(self.rng.integers(0, len(unigrams) - size + 1))
            unigrams = unigrams[start : start + size]
            pairs = pairs[start : start + size - 1] if len(pairs) else pairs
        ids = written = np.concatenate([unigrams, pairs])  # written: before token dropout
        if self.token_dropout > 0 and len(ids) > 1:
            keep = self.rng.random(len(ids)) >= self.token_dropout
            keep[self.rng.integers(len(ids))] = True
            ids = ids[keep]
        if self.targets is not None:
            target = float(self.targets[review])
            if windowed and self.window_targets is not None:
                target = self.window_targets(review, written)
            return ids, int(self.labels[review]), target
        return ids, int(self.labels[review])


class SequenceDataset(Dataset):
    """Index sequences with their labels; the lengths are the real (unpadded) token counts."""

    def __init__(self, sequences: Sequence[np.ndarray], labels: Sequence[int]) -> None:
        if len(sequences) != len(labels):
            raise ValueError("sequences and labels differ in length.")
        self.sequences = sequences
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.sequences[index], int(self.labels[index])


def collate_batch(batch: Sequence[tuple]) -> dict[str, torch.Tensor]:
    """Pad to the longest review in the batch (not a global maximum) with index 0. Items are
    ``(ids, label)`` or ``(ids, label, target)``; targets come back as ``"targets"``."""
    lengths = torch.tensor([len(item[0]) for item in batch], dtype=torch.long)
    width = max(1, int(lengths.max())) if len(batch) else 1
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    for row, item in enumerate(batch):
        ids[row, : len(item[0])] = torch.from_numpy(np.asarray(item[0], dtype=np.int64))
    labels = torch.tensor([item[1] for item in batch], dtype=torch.long)
    out = {"ids": ids, "lengths": lengths, "labels": labels}
    if batch and len(batch[0]) == 3:
        out["targets"] = torch.tensor([item[2] for item in batch], dtype=torch.float32)
    return out


@torch.inference_mode()
def batch_logits(
    model: torch.nn.Module, sequences: Sequence[np.ndarray], batch_size: int = 256
) -> torch.Tensor:
    """The model's logits for each sequence, ``(n, classes)``, computed ``batch_size`` at a time
    in eval mode."""
    model.eval()
    chunks = [
        model(collate_batch([(seq, 0) for seq in sequences[start : start + batch_size]])["ids"])
        for start in range(0, len(sequences), batch_size)
    ]
    return torch.cat(chunks) if chunks else torch.zeros((0, 2))


class LengthBucketSampler(Sampler[list[int]]):
    """Batches of similar-length reviews, so little time goes into padding.

    Shuffles, cuts the order into pools of ``pool`` batches, sorts each pool by length, then
    shuffles the batches: still random across epochs, but a batch's reviews are alike in length.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 13,
        pool: int = 50,
    ) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.pool = pool
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            yield from (
                order[i : i + self.batch_size].tolist()
                for i in range(0, len(order), self.batch_size)
            )
            return
        order = self.rng.permutation(len(self.lengths))
        span = self.batch_size * self.pool
        batches = []
        for start in range(0, len(order), span):
            chunk = order[start : start + span]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            batches += [
                chunk[i : i + self.batch_size].tolist()
                for i in range(0, len(chunk), self.batch_size)
            ]
        for index in self.rng.permutation(len(batches)):
            yield batches[index]
