"""Lightning wrappers: the training loop around ``EmbeddingClassifier`` and the data it eats."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytorch_lightning as pl
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from inksight.nlp.data import LengthBucketSampler, SequenceDataset, collate_batch
from inksight.nlp.model import EmbeddingClassifier, ModelConfig

__all__ = ["SentimentModule", "SentimentDataModule", "fold_members"]


class SentimentModule(pl.LightningModule):
    """Trains an ``EmbeddingClassifier``; logs ``train/loss``, ``val/loss``, ``val/acc``, ``test/acc``."""

    def __init__(
        self,
        model_config: dict,
        lr: float = 3e-3,
        lr_schedule: str = "constant",
        weight_decay: float = 0.0,
        row_decay: float = 0.0,
        freeze_embeddings: bool = False,
        trainable_rows: Sequence[int] | None = None,
        label_smoothing: float = 0.0,
        max_norm: float | None = None,
        members: int = 1,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["trainable_rows"])
        self.model = EmbeddingClassifier(ModelConfig(**model_config))
        if members > 1:
            _init_member_blocks(self.model, members)
        self._row_mask: torch.Tensor | None = None
        if freeze_embeddings and trainable_rows:
            # Frozen pretrained rows, but words without a pretrained vector may still learn.
            mask = torch.zeros(self.model.config.vocab_size, 1)
            mask[list(trainable_rows)] = 1.0
            self._row_mask = mask
            self.model.embedding.weight.register_hook(lambda grad: grad * self._row_mask)
        elif freeze_embeddings:
            self.model.embedding.weight.requires_grad_(False)
        # Sparse gradients: each step touches only the rows of the batch's words instead of the
        # whole (vocabulary x dim) matrix, which is what makes a large bigram vocabulary cheap.
        self.sparse = self._row_mask is None and weight_decay == 0.0 and not freeze_embeddings
        self.model.embedding.sparse = self.sparse
        # Rows are renormalised when looked up in training; the caller sets it back to None
        # before saving, so a saved model never rewrites its own weights at prediction time.
        self.model.embedding.max_norm = max_norm
        self.automatic_optimization = not self.sparse

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.model(ids)

    def _member_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Each member's logits [B, K, C]: its own slice of the pooled vector and of the Linear."""
        members, model = self.hparams.members, self.model
        pooled = model.dropout(model.pool(ids)[0])  # [B, K*D]
        weight = model.classifier.weight  # [C, K*D]
        blocks = weight.view(weight.shape[0], members, -1)  # [C, K, D]
        logits = torch.einsum("bkd,ckd->bkc", pooled.view(len(ids), members, -1), blocks)
        return (logits + model.classifier.bias) / model.config.temperature

    def _step(self, batch: dict[str, torch.Tensor], stage: str) -> torch.Tensor:
        smoothing = self.hparams.label_smoothing if stage == "train" else 0.0
        target = batch["labels"]
        if stage == "train" and "targets" in batch:  # soft targets: P(negative), P(positive)
            target = torch.stack([1 - batch["targets"], batch["targets"]], dim=-1)
        if self.hparams.members > 1:
            # Each member learns alone (its own loss); the review is scored by their mean logit,
            # which is what the folded model (fold_members) computes.
            member_logits = self._member_logits(batch["ids"])
            logits = member_logits.mean(dim=1)
            member_target = target.repeat_interleave(self.hparams.members, dim=0)
            loss = F.cross_entropy(
                member_logits.reshape(-1, member_logits.shape[-1]),
                member_target,
                label_smoothing=smoothing,
            )
        else:
            logits = self.model(batch["ids"])
            loss = F.cross_entropy(logits, target, label_smoothing=smoothing)
        acc = (logits.argmax(dim=-1) == batch["labels"]).float().mean()
        on_step = stage == "train"
        size = len(batch["labels"])
        self.log(
            f"{stage}/loss", loss, on_step=on_step, on_epoch=True, prog_bar=True, batch_size=size
        )
        self.log(f"{stage}/acc", acc, on_step=False, on_epoch=True, prog_bar=True, batch_size=size)
        return loss

    def on_train_batch_start(self, batch, batch_idx):  # noqa: ARG002
        if self.hparams.lr_schedule == "linear":
            lr = self.hparams.lr * self._remaining(batch_idx)
            for optimizer in self.trainer.optimizers:
                for group in optimizer.param_groups:
                    group["lr"] = lr

    def _remaining(self, batch_idx: int) -> float:
        """The share of training left after this batch: 1 - step / all steps of --epochs."""
        step = self.current_epoch * self.trainer.num_training_batches + batch_idx + 1
        return max(0.0, 1.0 - step / max(self.trainer.estimated_stepping_batches, 1))

    def training_step(self, batch, batch_idx):  # noqa: ARG002
        loss = self._step(batch, "train")
        if self.sparse:  # two optimizers (sparse rows, dense rest) need manual stepping
            optimizers = self.optimizers()
            for optimizer in optimizers:
                optimizer.zero_grad()
            self.manual_backward(loss)
            for optimizer in optimizers:
                optimizer.step()
            if self.hparams.row_decay:
                self._decay_rows(batch["ids"])
        return loss

    @torch.no_grad()
    def _decay_rows(self, ids: torch.Tensor) -> None:
        """Decoupled decay (as AdamW's) on the rows this batch touched: rows a batch never
        touches keep their weights, so the gradients stay sparse."""
        rows = ids.unique()
        rows = rows[rows != 0]  # the padding row stays zero
        self.model.embedding.weight[rows] *= 1.0 - self.hparams.lr * self.hparams.row_decay

    def validation_step(self, batch, batch_idx):  # noqa: ARG002
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):  # noqa: ARG002
        self._step(batch, "test")

    def configure_optimizers(self):
        lr, decay = self.hparams.lr, self.hparams.weight_decay
        if self.sparse:
            embedding = self.model.embedding.weight
            rest = [p for p in self.parameters() if p.requires_grad and p is not embedding]
            return [torch.optim.SparseAdam([embedding], lr=lr), torch.optim.Adam(rest, lr=lr)]
        params = [p for p in self.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=lr, weight_decay=decay)


def _init_member_blocks(model: EmbeddingClassifier, members: int) -> None:
    """Start each member's block of the Linear layer as a Linear of its own width would start."""
    if model.config.pooling != "max" or model.config.embed_dim % members:
        raise ValueError("members need max pooling and an Embedding width they divide.")
    bound = (members / model.config.embed_dim) ** 0.5
    with torch.no_grad():
        model.classifier.weight.uniform_(-bound, bound)


def fold_members(model: EmbeddingClassifier, members: int) -> None:
    """Make ``model`` compute the mean of its members' logits: one Embedding -> max pool ->
    Linear, exactly, because max pooling works dimension by dimension (each member owns a slice
    of the pooled vector) and the mean of the members' Linear layers is a Linear layer."""
    with torch.no_grad():
        model.classifier.weight.div_(members)


class SentimentDataModule(pl.LightningDataModule):
    """Holds the encoded splits and serves shuffled (train) or ordered (val/test) batches.

    A split is ``(sequences, labels)`` or a ready dataset with a ``lengths`` list (the training
    windows of ``ReviewWindows``).
    """

    def __init__(
        self,
        splits: dict[str, tuple[Sequence[np.ndarray], Sequence[int]] | Dataset],
        batch_size: int = 64,
        seed: int = 13,
    ) -> None:
        super().__init__()
        self.datasets = {
            name: data if isinstance(data, Dataset) else SequenceDataset(*data)
            for name, data in splits.items()
        }
        self.batch_size = batch_size
        self.seed = seed

    def _loader(self, name: str, shuffle: bool) -> DataLoader:
        dataset = self.datasets[name]
        lengths = getattr(dataset, "lengths", None) or [len(seq) for seq in dataset.sequences]
        sampler = LengthBucketSampler(lengths, self.batch_size, shuffle=shuffle, seed=self.seed)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate_batch)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
