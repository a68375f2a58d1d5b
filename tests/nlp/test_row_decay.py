"""Row decay: weight decay on the Embedding rows a batch touches, with sparse gradients kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from inksight.nlp.lightning import SentimentModule
from inksight.nlp.model import ModelConfig
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig


def test_row_decay_shrinks_only_the_rows_a_batch_touched_and_keeps_gradients_sparse() -> None:
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=30, embed_dim=8, init_std=1.0)
    module = SentimentModule(config.to_dict(), lr=0.1, row_decay=2.0)
    assert module.sparse  # unlike --weight-decay, the Embedding still gets sparse gradients
    before = module.model.embedding.weight.detach().clone()

    module._decay_rows(torch.tensor([[3, 5, 0], [5, 7, 0]]))

    after = module.model.embedding.weight.detach()
    touched = [3, 5, 7]
    assert torch.allclose(after[touched], before[touched] * (1 - 0.1 * 2.0))  # once each
    untouched = [i for i in range(30) if i not in touched]
    assert torch.equal(after[untouched], before[untouched])  # padding row included


def test_row_decay_beside_dense_weight_decay_is_refused_rather_than_silently_ignored() -> None:
    with pytest.raises(PipelineError, match="--row-decay cannot be combined"):
        TrainConfig(out=Path("m"), row_decay=0.1, weight_decay=1e-5)
