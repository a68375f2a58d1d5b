"""Vocabulary: tokens <-> indices, built from training tokens, saved as versioned plain text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from inksight.nlp.errors import NlpError

__all__ = ["PAD", "UNK", "Vocab", "add_bigrams"]

PAD, UNK = "<pad>", "<unk>"
_HEADER = "inksight-vocab v1"


def add_bigrams(tokens: Sequence[str]) -> list[str]:
    """fastText-style features: the tokens followed by each adjacent pair joined with ``_``."""
    return [*tokens, *(f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))]


class Vocab:
    """Index 0 is padding, index 1 stands for every unknown token; the rest by training frequency."""

    def __init__(self, itos: Sequence[str], freqs: dict[str, int] | None = None) -> None:
        if len(itos) < 2 or itos[0] != PAD or itos[1] != UNK:
            raise NlpError(f"a vocabulary must start with {PAD} and {UNK}.")
        self.itos = list(itos)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise NlpError("the vocabulary lists a token twice.")
        self.freqs = dict(freqs or {})

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], *, min_freq: int = 2, max_size: int = 30_000
    ) -> Vocab:
        """Keep tokens seen at least ``min_freq`` times, the ``max_size`` most frequent (ties by
        token, so the result never depends on input order)."""
        counts = Counter(token for tokens in token_lists for token in tokens)
        kept = sorted(
            (item for item in counts.items() if item[1] >= min_freq), key=lambda kv: (-kv[1], kv[0])
        )[: max(0, max_size - 2)]
        return cls([PAD, UNK, *(t for t, _ in kept)], dict(kept))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        unk = 1
        return np.fromiter(
            (self.stoi.get(t, unk) for t in tokens), dtype=np.int32, count=len(tokens)
        )

    def save(self, path: str | Path) -> None:
        lines = [f"{_HEADER}\t{len(self)}"]
        lines += [f"{t}\t{self.freqs.get(t, 0)}" for t in self.itos]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as error:
            raise NlpError(f"{path} is not a UTF-8 vocabulary file.") from error
        if not lines or not lines[0].startswith(_HEADER):
            raise NlpError(f"{path} is not an Inksight vocabulary (missing '{_HEADER}' header).")
        declared = int(lines[0].split("\t")[1]) if "\t" in lines[0] else -1
        tokens, counts = [], {}
        for line in lines[1:]:
            token, tab, count = line.rpartition("\t")
            if not tab or not count.isdigit():
                raise NlpError(f"{path} is damaged: '{line[:40]}' is not a token<TAB>count row.")
            tokens.append(token)
            if count != "0":
                counts[token] = int(count)
        if declared != len(tokens):
            raise NlpError(f"{path} is damaged: its header and its rows disagree.")
        return cls(tokens, counts)
