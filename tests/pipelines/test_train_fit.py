"""Training: the caller's logging and warnings left as they were, every option at once, and the
teacher's out-of-fold opinion."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest

from inksight.pipelines.train.config import TrainConfig
from inksight.pipelines.train.fit import train_main


def test_training_leaves_the_callers_warning_filters_and_logger_levels(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    lightning_notes = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    lightning_notes.setLevel(logging.INFO)  # a user who wants Lightning's notes

    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, epochs=1, batch_size=32,
            min_freq=1, progress=False,
        )
    )  # fmt: skip

    assert metrics["epochs_run"] == 1
    # Libraries add filters of their own when first imported; Inksight's own must not stay.
    left = [f for f in warnings.filters if f[1] is not None and "treespec" in f[1].pattern]
    assert left == []
    assert lightning_notes.level == logging.INFO


@pytest.mark.parametrize("teacher", ["tfidf", "windows"])
def test_every_regulariser_at_once_still_learns_and_saves_a_plain_model(
    tmp_path: Path, tiny_reviews_csv: Path, teacher: str
) -> None:
    from inksight.nlp.classifier import load_classifier

    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=16, epochs=6, patience=6,
            batch_size=16, lr=0.02, min_freq=1, progress=False, crops_per_review=2, crop_min=2,
            crop_max=4, token_dropout=0.1, embed_dropout=0.1, label_smoothing=0.1, max_norm=1.0,
            average_last=2, teacher=teacher, row_decay=0.1,
        )
    )  # fmt: skip

    assert metrics["val"]["accuracy"] >= 0.9 and 0 <= metrics["val"]["ece"] <= 1
    assert metrics["cpu_seconds"] > 0
    clf = load_classifier(tmp_path / "m")
    assert clf.model.embedding.max_norm is None  # prediction never rewrites the weights
    assert clf.classify("superb").label == "positive"  # one known word is enough
    assert clf.classify("dreadful").label == "negative"


def test_the_teacher_never_scores_a_review_it_was_fitted_on(monkeypatch) -> None:
    from inksight.pipelines.train import teacher

    fitted, scored = [], []
    real = teacher.tfidf_logreg

    def spy(texts, labels, c=teacher.TEACHER_C):
        model = real(texts, labels, c)
        fitted.append(set(texts))
        predict = model.predict_proba
        model.predict_proba = lambda x: scored.append(set(x)) or predict(x)
        return model

    monkeypatch.setattr(teacher, "tfidf_logreg", spy)
    texts = [f"review {i}: a {'great' if i % 2 else 'awful'} film" for i in range(40)]
    labels = [i % 2 for i in range(40)]

    p_positive = teacher.out_of_fold_probabilities(texts, labels, folds=2, seed=0)

    assert len(fitted) == len(scored) == 2
    assert all(not (train & held) for train, held in zip(fitted, scored, strict=True))
    assert set().union(*scored) == set(texts)  # every review scored, once
    assert ((p_positive > 0.5) == np.array(labels, bool)).all()  # and by a teacher that learned


def test_a_window_is_scored_by_what_it_says_and_by_a_teacher_that_never_saw_its_review() -> None:
    from inksight.pipelines.train.teacher import WindowTeacher

    # ids 2-9 lean positive, 10-17 negative, 20-99 are neutral filler every review shares
    rng = np.random.default_rng(0)
    labels = np.array([i % 2 for i in range(200)])
    reviews = [
        np.concatenate([rng.integers(20, 100, 30), rng.integers(2, 10, 4) + 8 * (1 - label)])
        for label in labels
    ]
    teacher = WindowTeacher.fit(reviews, labels, vocab_size=100, folds=2, seed=0)

    positive = 1  # a positive review; its window of filler alone says nothing either way
    assert teacher.probability(positive, np.array([2, 3, 30])) > 0.8
    assert teacher.probability(positive, np.array([10, 11, 30])) < 0.2
    assert abs(teacher.probability(positive, reviews[positive][:5]) - 0.5) < 0.25
    # out of fold: two reviews of different folds are scored by different teachers
    assert len(set(teacher.fold.tolist())) == 2
    first, other = 0, int(np.flatnonzero(teacher.fold != teacher.fold[0])[0])
    window = np.array([2, 30, 40])
    assert teacher.probability(first, window) != teacher.probability(other, window)


def test_windows_carry_their_own_targets_and_whole_reviews_their_labels() -> None:
    from inksight.nlp.data import ReviewWindows

    parts = [(np.arange(2, 40), np.arange(100, 137)) for _ in range(4)]
    windows = ReviewWindows(
        parts, [1, 0, 1, 0], crops_per_review=1, window=(3, 6),
        window_targets=lambda review, ids: 0.25 + 0.1 * review,
    )  # fmt: skip

    whole = [windows[i][2] for i in range(4)]
    crops = [windows[4 + i] for i in range(4)]
    assert whole == [1.0, 0.0, 1.0, 0.0]
    assert [round(item[2], 2) for item in crops] == [0.25, 0.35, 0.45, 0.55]
    assert all(len(item[0]) < 76 for item in crops)


def test_the_window_teacher_needs_windows() -> None:
    from inksight.pipelines.errors import PipelineError

    with pytest.raises(PipelineError, match="--teacher windows needs --crops-per-review"):
        TrainConfig(teacher="windows")


def test_keep_stopwords_trains_on_every_word_and_predicts_the_same_way(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier

    options = dict(
        data=tiny_reviews_csv, embed_dim=8, epochs=1, batch_size=32, min_freq=1, progress=False
    )
    train_main(TrainConfig(out=tmp_path / "kept", keep_stopwords=True, **options))
    train_main(TrainConfig(out=tmp_path / "dropped", **options))

    kept, dropped = load_classifier(tmp_path / "kept"), load_classifier(tmp_path / "dropped")
    assert "the" in kept.vocab.stoi and "the" not in dropped.vocab.stoi
    assert "the" in kept.preprocessor.tokenize("The plot was the best part")
    assert "the" not in dropped.preprocessor.tokenize("The plot was the best part")


def test_a_model_trained_with_negation_scope_and_no_lemmas_cleans_new_text_the_same_way(
    tmp_path: Path, tiny_reviews_csv: Path
) -> None:
    from inksight.nlp.classifier import load_classifier

    train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, epochs=1, batch_size=32,
            min_freq=1, progress=False, negation_scope=2, lemmatize=False,
        )
    )  # fmt: skip

    tokens = load_classifier(tmp_path / "m").preprocessor.tokenize("The actors were not good.")
    assert tokens == ["actors", "not", "~good"]  # as written ("actors"), "good" negated


def _tiny_model(tmp_path: Path, positive: list[str], negative: list[str], **options):
    """A small model trained on these reviews, loaded as a user would load it."""
    import pandas as pd

    from inksight.nlp.classifier import load_classifier

    rows = [{"text": t, "label": 1} for t in positive] + [{"text": t, "label": 0} for t in negative]
    data = tmp_path / "reviews.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    train_main(
        TrainConfig(
            out=tmp_path / "m", data=data, embed_dim=8, epochs=6, patience=6, batch_size=16,
            lr=0.05, min_freq=1, progress=False, **options,
        )
    )  # fmt: skip
    return load_classifier(tmp_path / "m")


def test_a_negated_word_is_still_highlighted_by_a_model_trained_with_negation_scope(
    tmp_path: Path,
) -> None:
    from inksight.nlp.explain import word_contributions

    model = _tiny_model(
        tmp_path, [f"A superb film, take {i}." for i in range(60)],
        [f"Not superb at all, take {i}." for i in range(60)], negation_scope=1,
    )  # fmt: skip

    pieces = dict(word_contributions(model, "Not superb."))
    assert pieces["superb"] is not None and pieces["superb"] < 0  # "~superb" pushed negative


def test_a_rating_the_writer_gave_is_read_in_any_form_and_highlighted(tmp_path: Path) -> None:
    from inksight.nlp.explain import word_contributions

    model = _tiny_model(
        tmp_path, [f"Saw it on day {i}. 9/10" for i in range(60)],
        [f"Saw it on day {i}. 2/10" for i in range(60)],
    )  # fmt: skip

    assert model.classify("I give it 4.5/5").label == "positive"  # the same score out of ten
    assert model.classify("2 out of 10 from me").label == "negative"
    assert dict(word_contributions(model, "4.5 / 5"))["4.5 / 5"] > 0  # one piece, highlighted
    assert dict(word_contributions(model, "1 out of 5"))["1 out of 5"] < 0


def test_a_linear_schedule_starts_at_the_learning_rate_and_ends_at_zero(
    tmp_path: Path, tiny_reviews_csv: Path, monkeypatch
) -> None:
    from inksight.nlp.lightning import SentimentModule

    seen: list[float] = []
    set_lr = SentimentModule.on_train_batch_start

    def spy(self, batch, batch_idx):
        set_lr(self, batch, batch_idx)
        seen.append(self.trainer.optimizers[0].param_groups[0]["lr"])

    monkeypatch.setattr(SentimentModule, "on_train_batch_start", spy)
    metrics = train_main(
        TrainConfig(
            out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=16, epochs=6, patience=6,
            batch_size=16, lr=0.02, min_freq=1, progress=False, lr_schedule="linear",
        )
    )  # fmt: skip

    assert metrics["val"]["accuracy"] >= 0.9  # still learns
    assert seen[0] > 0.019 and seen[-1] == 0.0  # from --lr down to nothing at the last step
    assert all(later <= earlier for earlier, later in zip(seen, seen[1:], strict=False))


def test_token_seeded_init_trains_the_same_model_whatever_the_other_rows_of_the_vocabulary(
    tmp_path: Path, tiny_reviews_csv: Path, monkeypatch
) -> None:
    """An ablation that changes a few tokens moves every other token's place in the vocabulary
    and its size; with --token-seeded-init each token still starts from its own vector and the
    rest of the model and of training from the same draws, so the two runs are paired
    (docs/sentiment.md, twenty-third and twenty-fourth rounds). Shown with the purest such
    changes: the same tokens in another order, and one row more that no review holds."""
    import random

    from inksight.nlp import vocab as vocab_module
    from inksight.nlp.classifier import load_classifier

    texts = ["a superb film", "dreadful and dull", "great plot, boring ending", "the camera"]
    build = vocab_module.Vocab.build.__func__

    def train(name: str, seeded: bool, change: str | None = None) -> list[float]:
        def changed(cls, token_lists, **options):
            vocab = build(cls, token_lists, **options)
            rest = vocab.itos[2:]
            if change == "reorder":
                random.Random(7).shuffle(rest)
            else:
                rest.append("zzyzx")
            return cls([*vocab.itos[:2], *rest], vocab.freqs)

        monkeypatch.setattr(vocab_module.Vocab, "build", classmethod(changed if change else build))
        train_main(
            TrainConfig(
                out=tmp_path / name, data=tiny_reviews_csv, embed_dim=8, epochs=2, batch_size=16,
                min_freq=1, progress=False, test=False, token_seeded_init=seeded,
            )
        )  # fmt: skip
        model = load_classifier(tmp_path / name)
        verdicts = [model.classify(text) for text in texts]
        return [v.probability if v.label == "positive" else 1 - v.probability for v in verdicts]

    seeded = train("seeded", True)
    assert np.allclose(seeded, train("seeded-reordered", True, "reorder"), atol=1e-6)
    assert np.allclose(seeded, train("seeded-one-more", True, "one more"), atol=1e-6)
    # Without it, either change is a new draw of every row and of what comes after: another model.
    plain = train("plain", False)
    assert not np.allclose(plain, train("plain-reordered", False, "reorder"), atol=1e-6)
    assert not np.allclose(plain, train("plain-one-more", False, "one more"), atol=1e-6)
