import numpy as np
import pandas as pd
import pytest

from inksight.nlp.data import collate_batch, stratified_split
from inksight.nlp.preprocess import PreprocessConfig, Preprocessor
from inksight.pipelines.errors import PipelineError
from inksight.pipelines.train.data import load_splits, sentence_views, tokenized_reviews


def _toy(n=400):
    texts = [f"review number {i} {'good' if i % 2 else 'bad'}" for i in range(n)]
    texts[10] = texts[12] = texts[14] = "the very same text"  # a duplicated review
    labels = [i % 2 for i in range(n)]
    return texts, labels


def test_split_is_stratified_disjoint_and_repeatable():
    texts, labels = _toy()
    first = stratified_split(texts, labels, seed=5)
    again = stratified_split(texts, labels, seed=5)
    assert (first == again).all()
    assert set(first) == {"train", "val", "test"}
    labels = np.array(labels)
    for side, share in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
        members = first == side
        assert abs(members.mean() - share) < 0.02
        assert abs(labels[members].mean() - 0.5) < 0.05  # both labels in the same proportion
    assert len({first[10], first[12], first[14]}) == 1  # duplicates never straddle two splits
    assert (stratified_split(texts, labels.tolist(), seed=6) != first).any()


def test_user_csv_split_is_saved_and_identical_across_runs(tiny_reviews_csv, inksight_home):
    first = load_splits(tiny_reviews_csv)
    second = load_splits(tiny_reviews_csv)
    for name in ("train", "val", "test"):
        assert first[name]["id"].tolist() == second[name]["id"].tolist()
    ids = [set(first[n]["id"]) for n in ("train", "val", "test")]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert list((inksight_home / "splits").glob("*.csv"))


def test_cached_tokens_equal_fresh_ones(tiny_reviews_csv):
    frame = load_splits(tiny_reviews_csv)["train"]
    config = PreprocessConfig()
    cold = tokenized_reviews(frame, config)
    warm = tokenized_reviews(frame, config)
    assert warm == cold == Preprocessor(config).tokenize_many(frame["text"].tolist())


def test_padding_pads_to_the_longest_review_in_the_batch():
    batch = collate_batch([(np.array([5, 6, 7]), 1), (np.array([8]), 0)])
    assert batch["ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["lengths"].tolist() == [3, 1]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("review,stars\nnice,5\n", "no_label.csv", "no text and no label column"),
        ("text,label\nnice,maybe\n", "odd_labels.csv", "labels Inksight does not understand"),
        ("text,label\n", "data.txt", "must be .csv, .jsonl or .parquet"),
    ],
)
def test_bad_data_files_get_one_clear_sentence(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    if name == "no_label.csv":
        pd.DataFrame({"review": ["a"], "stars": [5]}).to_csv(path, index=False)
    with pytest.raises(PipelineError, match=message):
        load_splits(path)


def test_sentence_views_cut_each_review_to_one_of_its_sentences_twice():
    frame = pd.DataFrame(
        {
            "text": ["Dull start here. Then it shines so bright!<br />Loved the ending too.",
                     "Awful from the start. Nothing works at all."],
            "label": [1, 0],
        }
    )  # fmt: skip
    views = sentence_views(frame)

    assert list(views["label"]) == [1, 0, 1, 0]  # first sentences, then random ones
    assert list(views["text"][:2]) == ["Dull start here.", "Awful from the start."]
    for text, original in zip(views["text"], list(frame["text"]) * 2, strict=True):
        assert text in original and len(text) < len(original)


@pytest.mark.real_assets
def test_the_rotten_tomatoes_rows_never_reach_training_or_ocr_text():
    """They are the external test set: no split, and no text OCR renders or counts words from."""
    from inksight.pipelines.ocr_jobs import review_texts
    from inksight.pipelines.train.data import load_reviews, load_rotten_tomatoes

    external = set(load_rotten_tomatoes()["text"])
    assert len(external) > 8000
    splits = load_splits()
    assert not any(external & set(frame["text"]) for frame in splits.values())
    assert not external & set(load_reviews()["text"])
    assert not external & set(review_texts())
