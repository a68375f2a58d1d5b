"""Temperature scaling: honest probabilities on short text, the same labels, kept in the folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch

from inksight.nlp.model import EmbeddingClassifier, ModelConfig
from inksight.pipelines.train.calibration import MIN_EXAMPLES, fit_temperature
from inksight.pipelines.train.fit import expected_calibration_error


def _overconfident(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Margins whose true log-odds are a third of what they claim (a model 3x too sure)."""
    rng = np.random.default_rng(seed)
    honest = rng.normal(0.0, 2.0, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-honest))).astype(int)
    return 3.0 * honest, labels


def test_an_overconfident_model_gets_a_temperature_that_makes_it_honest() -> None:
    margins, labels = _overconfident()
    temperature = fit_temperature(margins, labels)

    assert 2.5 < temperature < 3.5
    before = expected_calibration_error(labels, 1 / (1 + np.exp(-margins)))
    after = expected_calibration_error(labels, 1 / (1 + np.exp(-margins / temperature)))
    assert after < 0.03 < before


def test_too_few_validation_examples_leave_the_model_as_trained() -> None:
    margins, labels = _overconfident(n=MIN_EXAMPLES - 1)
    assert fit_temperature(margins, labels) is None


def test_temperature_softens_probabilities_but_never_changes_a_label() -> None:
    torch.manual_seed(0)
    model = EmbeddingClassifier(ModelConfig(vocab_size=50, embed_dim=8, dropout=0.0, init_std=1.0))
    ids = torch.randint(1, 50, (32, 6))
    sharp = torch.softmax(model.eval()(ids), dim=-1)
    model.config = ModelConfig(**{**model.config.to_dict(), "temperature": 2.0})
    soft = torch.softmax(model(ids), dim=-1)

    assert (sharp.argmax(-1) == soft.argmax(-1)).all()
    assert (soft.max(-1).values <= sharp.max(-1).values + 1e-6).all()


def test_training_stores_the_fitted_temperature_and_prediction_uses_it(tmp_path: Path) -> None:
    from conftest import make_reviews

    from inksight.nlp.classifier import load_classifier
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    data = tmp_path / "reviews.csv"
    make_reviews(n=2400).to_csv(data, index=False)  # 240 validation reviews: enough to fit T
    common = dict(
        data=data, embed_dim=8, epochs=2, patience=2, batch_size=64, lr=0.02, min_freq=1,
        progress=False, test=False,
    )  # fmt: skip
    train_main(TrainConfig(out=tmp_path / "cal", **common))
    train_main(TrainConfig(out=tmp_path / "raw", calibrate=False, **common))

    stored = json.loads((tmp_path / "cal" / "config.json").read_text())["model"]["temperature"]
    assert stored != 1.0  # the toy reviews are separable: the fitted scale is never exactly 1
    assert json.loads((tmp_path / "raw" / "config.json").read_text())["model"]["temperature"] == 1
    cal, raw = load_classifier(tmp_path / "cal"), load_classifier(tmp_path / "raw")
    assert cal.model.config.temperature == stored
    text = "The acting was wonderful and the plot brilliant."
    assert cal.classify(text).label == raw.classify(text).label  # same seed, same weights
    assert cal.classify(text).probability != raw.classify(text).probability


def test_a_model_continued_on_a_few_reviews_keeps_its_temperature(
    tmp_path: Path, tiny_model_dir: Path, tiny_reviews_csv: Path
) -> None:
    """24 validation reviews are too few to fit T: the starting model's own T is kept."""
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    base = tmp_path / "base"
    shutil.copytree(tiny_model_dir, base)
    config = json.loads((base / "config.json").read_text())
    config["model"]["temperature"] = 1.7
    (base / "config.json").write_text(json.dumps(config))

    train_main(
        TrainConfig(
            out=tmp_path / "more", data=tiny_reviews_csv, start_from=str(base), epochs=1,
            progress=False,
        )
    )  # fmt: skip

    continued = json.loads((tmp_path / "more" / "config.json").read_text())
    assert continued["model"]["temperature"] == 1.7
