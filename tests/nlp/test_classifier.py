import json
import shutil

import pytest
import torch

from inksight.nlp.classifier import load_classifier
from inksight.nlp.errors import NlpError
from inksight.nlp.model import EmbeddingClassifier, ModelConfig


def test_padding_never_wins_the_max_pool():
    model = EmbeddingClassifier(ModelConfig(vocab_size=5, embed_dim=3, dropout=0.0))
    with torch.no_grad():
        model.embedding.weight[1:] = -torch.rand(4, 3) - 1.0  # every real token is negative
    ids = torch.tensor([[2, 3, 0, 0]])  # two real tokens, two pads (whose vector is 0)
    pooled, _ = model.pool(ids)
    expected = model.embedding.weight[[2, 3]].max(dim=0).values
    assert torch.allclose(pooled[0], expected)
    assert (pooled < 0).all()


def test_max_pool_contributions_add_up_to_the_logit_gap():
    torch.manual_seed(0)
    model = EmbeddingClassifier(ModelConfig(vocab_size=50, embed_dim=8, dropout=0.0, init_std=1.0))
    model.eval()
    ids = torch.tensor([[4, 9, 17, 23, 0], [5, 6, 0, 0, 0]])
    logits = model(ids)
    bias_gap = model.classifier.bias[1] - model.classifier.bias[0]
    gap = logits[:, 1] - logits[:, 0] - bias_gap
    assert torch.allclose(model.token_contributions(ids).sum(dim=1), gap, atol=1e-5)
    assert (model.token_contributions(ids)[ids == 0] == 0).all()


def test_training_on_separable_reviews_beats_chance_by_far(tiny_model_dir):
    metrics = json.loads((tiny_model_dir / "metrics.json").read_text())
    assert metrics["val"]["accuracy"] >= 0.9
    assert metrics["test"]["accuracy"] >= 0.9


def test_prediction_names_the_words_behind_it(tiny_model_dir):
    clf = load_classifier(tiny_model_dir)
    good = clf.classify("A wonderful film with a brilliant story.")
    bad = clf.classify("A dull and dreadful film.")
    assert good.label == "positive" and bad.label == "negative"
    assert 0.5 <= good.probability <= 1.0
    assert good.top_words[0]["word"] in {
        "wonderful",
        "brilliant",
        "wonderful film",
        "brilliant story",
    }
    assert good.top_words[0]["score"] > 0 and bad.top_words[0]["score"] < 0


def test_save_then_load_gives_identical_predictions(tiny_model_dir, tmp_path):
    copy = shutil.copytree(tiny_model_dir, tmp_path / "copy")
    texts = ["great plot, superb actor", "boring scene and awful ending", "the camera"]
    first = [r.to_dict() for r in load_classifier(tiny_model_dir).classify_many(texts)]
    second = [r.to_dict() for r in load_classifier(copy).classify_many(texts)]
    assert first == second


def test_empty_and_unknown_texts_get_no_label(tiny_model_dir):
    clf = load_classifier(tiny_model_dir)
    with pytest.raises(NlpError, match="empty"):
        clf.classify("   \n ")
    with pytest.raises(
        NlpError, match="none of the review's 2 words are in the model's vocabulary"
    ):
        clf.classify("zyzzyva quixotic")


def test_a_value_that_is_not_text_is_named_and_the_rest_still_scored(tiny_model_dir):
    """A pandas column's missing cell is a float NaN; a number may slip in too."""
    clf = load_classifier(tiny_model_dir)
    first, missing, number = clf.classify_many(["superb story", float("nan"), 7])
    assert first.label == "positive"
    assert str(missing) == "a review is text (a str), not float."
    assert str(number) == "a review is text (a str), not int."
    with pytest.raises(NlpError, match="not int"):
        clf.classify(123)


def test_missing_and_broken_model_folders_are_named(tiny_model_dir, tmp_path):
    with pytest.raises(NlpError, match="does not exist"):
        load_classifier(tmp_path / "nowhere")
    broken = shutil.copytree(tiny_model_dir, tmp_path / "broken")
    (broken / "model.safetensors").write_bytes(b"not weights at all")
    with pytest.raises(NlpError, match="damaged"):
        load_classifier(broken)
    partial = shutil.copytree(tiny_model_dir, tmp_path / "partial")
    (partial / "vocab.txt").unlink()
    with pytest.raises(NlpError, match="vocab.txt missing"):
        load_classifier(partial)


def test_a_vocabulary_from_another_model_is_refused(tiny_model_dir, tmp_path):
    mixed = shutil.copytree(tiny_model_dir, tmp_path / "mixed")
    lines = (mixed / "vocab.txt").read_text().splitlines()
    rows = lines[1:-3]
    (mixed / "vocab.txt").write_text("\n".join([f"inksight-vocab v1\t{len(rows)}", *rows]) + "\n")
    with pytest.raises(NlpError, match="different models"):
        load_classifier(mixed)
