"""The seed architecture: Embedding -> global pooling over the real tokens -> (dropout) -> Linear."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn

from inksight.nlp.errors import NlpError

__all__ = ["ModelConfig", "EmbeddingClassifier", "Pooling"]

Pooling = Literal["max", "mean", "max+mean"]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the network; stored in every model folder's config.json."""

    vocab_size: int = field(default=30_000, metadata={"help": "Rows of the Embedding matrix."})
    embed_dim: int = field(default=128, metadata={"help": "Embedding dimension."})
    pooling: Pooling = field(
        default="max", metadata={"help": "How token vectors become one review vector."}
    )
    dropout: float = field(default=0.3, metadata={"help": "Dropout before the Linear layer."})
    embed_dropout: float = field(
        default=0.0, metadata={"help": "Dropout on the token vectors before pooling (training)."}
    )
    init_std: float = field(
        default=0.01,
        metadata={"help": "Std of the Embedding init; PyTorch's N(0,1) default trains badly here."},
    )
    floor: bool = field(
        default=False,
        metadata={"help": "Max pooling also takes in one learned vector that every text holds, "
                  "so a dimension no token raises reads the same in a sentence as in a review."},
    )  # fmt: skip
    num_classes: int = 2
    temperature: float = field(
        default=1.0,
        metadata={"help": "Logits are divided by this; fitted on validation after training so "
                  "the probabilities are honest (1: as trained)."},
    )  # fmt: skip

    def __post_init__(self) -> None:
        if self.vocab_size < 3 or self.embed_dim < 1:
            raise NlpError("vocab_size must be >= 3 and embed_dim >= 1.")
        if self.pooling not in ("max", "mean", "max+mean"):
            raise NlpError(f"pooling must be max, mean or max+mean, not {self.pooling!r}.")
        if self.floor and self.pooling == "mean":
            raise NlpError("floor needs max pooling (max or max+mean).")
        if not (0.0 <= self.dropout < 1.0 and 0.0 <= self.embed_dropout < 1.0):
            raise NlpError("dropout and embed_dropout must be in [0, 1).")
        if not self.temperature > 0:
            raise NlpError("temperature must be positive.")

    def to_dict(self) -> dict:
        return asdict(self)


class EmbeddingClassifier(nn.Module):
    """Embedding -> pooling -> Linear. Index 0 is padding and never takes part in pooling."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=config.init_std)
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        self.dropout = nn.Dropout(config.dropout)
        self.embed_dropout = nn.Dropout(config.embed_dropout)
        width = config.embed_dim * (2 if config.pooling == "max+mean" else 1)
        self.classifier = nn.Linear(width, config.num_classes)
        # Started like a token's row: it is a token every text contains.
        self.floor = (
            nn.Parameter(torch.randn(config.embed_dim) * config.init_std) if config.floor else None
        )

    def pool(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pooled review vectors [B, width] and, for max pooling, the winning position per dim
        (-1 where the floor won)."""
        mask = ids.ne(0).unsqueeze(-1)  # [B, T, 1]
        vectors = self.embed_dropout(self.embedding(ids))  # [B, T, D]; identity in eval mode
        parts, winners = [], None
        if self.config.pooling in ("max", "max+mean"):
            masked = vectors.masked_fill(~mask, float("-inf"))
            pooled, winners = masked.max(dim=1)
            if self.floor is not None:
                winners = torch.where(self.floor > pooled, -1, winners)
                pooled = torch.maximum(pooled, self.floor)
            # A review with no known token at all pools to zeros instead of -inf.
            parts.append(torch.where(torch.isinf(pooled), torch.zeros_like(pooled), pooled))
        if self.config.pooling in ("mean", "max+mean"):
            counts = mask.sum(dim=1).clamp(min=1)
            parts.append((vectors * mask).sum(dim=1) / counts)
        return torch.cat(parts, dim=-1), winners

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pooled, _ = self.pool(ids)
        # A scalar on the logits: it changes how sure the model is, never which label wins.
        return self.classifier(self.dropout(pooled)) / self.config.temperature

    @torch.no_grad()
    def token_contributions(self, ids: torch.Tensor) -> torch.Tensor:
        """Each position's signed push towards 'positive' in logit units, shape [B, T].

        Exact for max pooling: each dimension's maximum comes from one token, so the logit
        difference splits into per-token parts. Mean pooling splits it evenly by construction.
        """
        weight = self.classifier.weight  # [C, width]
        lean = weight[1] - weight[0]
        dim = self.config.embed_dim
        mask = ids.ne(0)
        vectors = self.embedding(ids)
        contrib = torch.zeros(ids.shape, dtype=vectors.dtype)
        pooled, winners = self.pool(ids)
        if winners is not None:
            # A dimension the floor won is the same for every text: no token's doing, like the bias.
            per_dim = pooled[:, :dim] * lean[:dim] * winners.ge(0)  # [B, D]
            contrib.scatter_add_(1, winners.clamp(min=0), per_dim)
        if self.config.pooling in ("mean", "max+mean"):
            offset = dim if self.config.pooling == "max+mean" else 0
            counts = mask.sum(dim=1, keepdim=True).clamp(min=1)
            contrib += (vectors @ lean[offset : offset + dim]) * mask / counts
        return contrib * mask / self.config.temperature  # in the units of the scaled logits
