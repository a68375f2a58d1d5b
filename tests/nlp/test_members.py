"""Members: K max-pooled models trained side by side are saved as one model that is their mean."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from inksight.nlp.lightning import SentimentModule, fold_members
from inksight.nlp.model import ModelConfig
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main


def test_the_folded_model_scores_exactly_the_mean_of_its_members() -> None:
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=50, embed_dim=12, dropout=0.0, init_std=1.0)
    module = SentimentModule(config.to_dict(), members=3).eval()
    ids = torch.tensor([[3, 7, 9, 0, 0], [4, 4, 11, 20, 2]])

    members = module._member_logits(ids)  # [B, 3, C]
    alone = []
    for k in range(3):  # each member as a model of its own: its slice of Embedding and Linear
        cols = slice(4 * k, 4 * k + 4)
        pooled = (
            module.model.embedding(ids)[:, :, cols]
            .masked_fill(ids.eq(0).unsqueeze(-1), float("-inf"))
            .max(dim=1)
            .values
        )
        alone.append(
            pooled @ module.model.classifier.weight[:, cols].T + module.model.classifier.bias
        )
    assert torch.allclose(members, torch.stack(alone, dim=1), atol=1e-6)

    fold_members(module.model, 3)
    assert torch.allclose(module.model(ids), members.mean(dim=1), atol=1e-6)


def test_training_with_members_saves_one_plain_model_that_learned(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier

    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, members=3, epochs=6,
            patience=6, batch_size=16, lr=0.02, min_freq=1, progress=False,
        )
    )  # fmt: skip

    clf = load_classifier(tmp_path / "m")
    assert clf.model.config.embed_dim == 24 and clf.model.config.pooling == "max"
    assert metrics["val"]["accuracy"] >= 0.9
    assert clf.classify("superb").label == "positive"
    assert clf.classify("dreadful").label == "negative"


def test_members_refuse_what_cannot_be_folded() -> None:
    with pytest.raises(PipelineError, match="--members"):
        TrainConfig(members=2, pooling="max+mean")
    with pytest.raises(PipelineError, match="--members"):
        TrainConfig(members=2, start_from="default")
