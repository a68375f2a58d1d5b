"""The floor: one learned vector every text holds, taken into max pooling beside its tokens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from inksight.nlp.errors import NlpError
from inksight.nlp.model import EmbeddingClassifier, ModelConfig
from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main


def _model() -> EmbeddingClassifier:
    torch.manual_seed(0)
    return EmbeddingClassifier(ModelConfig(vocab_size=40, embed_dim=16, floor=True, dropout=0.0))


def test_a_dimension_no_token_raises_reads_the_floor_in_any_text() -> None:
    model = _model().eval()
    ids = torch.tensor([[3, 0, 0, 0, 0, 0], [3, 5, 8, 13, 21, 34], [0, 0, 0, 0, 0, 0]])
    pooled, winners = model.pool(ids)
    assert torch.equal(pooled[2], model.floor.detach())  # no token at all: the floor alone
    assert (pooled >= model.floor).all()
    floor_won = winners.eq(-1)
    assert floor_won.any() and torch.equal(pooled[floor_won], model.floor.expand(3, -1)[floor_won])


def test_the_named_words_still_add_up_to_the_verdict_less_what_every_text_gets() -> None:
    model = _model().eval()
    ids = torch.tensor([[3, 7, 9, 0, 0], [4, 4, 11, 20, 2]])
    pooled, winners = model.pool(ids)
    lean = model.classifier.weight[1] - model.classifier.weight[0]
    logits = model(ids)
    gap = logits[:, 1] - logits[:, 0] - (model.classifier.bias[1] - model.classifier.bias[0])
    floor_part = (pooled * lean * winners.eq(-1)).sum(dim=1)
    contributions = model.token_contributions(ids)
    assert torch.allclose(contributions.sum(dim=1) + floor_part, gap, atol=1e-5)
    assert (contributions[ids == 0] == 0).all()


def test_mean_pooling_has_no_maximum_to_floor() -> None:
    with pytest.raises(NlpError, match="floor needs max pooling"):
        ModelConfig(vocab_size=40, pooling="mean", floor=True)


def test_a_model_trained_with_a_floor_keeps_it_when_saved_and_loaded(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier

    train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, floor=True, epochs=6,
            patience=6, batch_size=16, lr=0.02, min_freq=1, progress=False,
        )
    )  # fmt: skip
    copy = shutil.copytree(tmp_path / "m", tmp_path / "copy")
    model, again = load_classifier(tmp_path / "m"), load_classifier(copy)
    assert model.model.config.floor and model.model.floor is not None
    assert torch.equal(model.model.floor, again.model.floor)
    assert model.classify("superb").label == "positive"
    assert model.classify("dreadful").label == "negative"
    text = "a superb story, dreadful ending"
    assert model.classify(text).probability == again.classify(text).probability
