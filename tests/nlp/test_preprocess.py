import json

import pytest

from inksight.nlp.preprocess import PreprocessConfig, Preprocessor


def test_negations_survive_stopword_removal():
    tokens = Preprocessor().tokenize("This movie was NOT good, and I didn't like it. Never again!")
    assert "not" in tokens and "good" in tokens and "never" in tokens
    assert "this" not in tokens and "was" not in tokens  # ordinary stopwords still go


def test_dropping_negations_is_possible_for_the_benchmark():
    tokens = Preprocessor(PreprocessConfig(keep_negations=False)).tokenize("It was not good.")
    assert tokens == ["good"]


def test_html_is_stripped_and_words_lemmatized_and_lowercased():
    tokens = Preprocessor().tokenize(
        "Great MOVIES!<br /><br />The actors were loving it &amp; more"
    )
    assert "br" not in tokens and "<br" not in tokens and "&amp;" not in tokens
    assert "movie" in tokens and "great" in tokens and "love" in tokens


def test_words_joined_by_sentence_punctuation_are_both_read():
    # Typed reviews and OCR'd lines lose the space after a full stop; spaCy alone keeps
    # "predictable.the" and "great!loved" as single unknown tokens.
    tokens = Preprocessor().tokenize("So predictable.The ending was awful!Loved the cast;superb")
    assert tokens == ["predictable", "end", "awful", "love", "cast", "superb"]


def test_abbreviations_are_not_split_at_their_dots():
    tokens = Preprocessor().tokenize("e.g. the U.S.A. version")
    assert tokens == ["e.g.", "u.s.a", "version"]


def test_sentiment_superlatives_keep_their_meaning():
    # spaCy's lookup table maps "worst" to "wrong"; that would erase the sentiment.
    assert Preprocessor().tokenize("the worst film, the best cast") == [
        "worst",
        "film",
        "best",
        "cast",
    ]


def test_parallel_tokenization_equals_single_process():
    texts = [f"Review {i}: the acting was amazing but the plot wasn't great." for i in range(2100)]
    texts[7] = "A <i>dreadful</i> mess; nothing works."
    pre = Preprocessor()
    assert pre.tokenize_many(texts, n_process=2) == pre.tokenize_many(texts, n_process=1)


def test_very_long_text_is_truncated_and_flagged():
    pre = Preprocessor()
    text = "good " * 200_000  # 1 MB
    assert pre.is_truncated(text)
    assert len(pre.tokenize(text)) <= pre.config.max_chars // 5 + 1


def test_contrast_and_degree_words_can_be_kept_like_the_negations():
    text = "Good but far too long, and only just watchable."
    assert Preprocessor().tokenize(text) == ["good", "far", "long", "watchable"]
    kept = PreprocessConfig(keep_contrast=True)
    assert Preprocessor(kept).tokenize(text) == [
        "good", "but", "far", "too", "long", "only", "just", "watchable"
    ]  # fmt: skip
    # A model folder stores the choice, and its cached tokens are kept apart from the others'.
    assert PreprocessConfig.from_dict(json.loads(kept.to_json())) == kept
    assert kept.cache_key() != PreprocessConfig().cache_key()


def test_negation_scope_marks_the_words_a_negation_reaches_and_stops_at_punctuation_or_but():
    marked = Preprocessor(PreprocessConfig(keep_contrast=True, negation_scope=2))
    assert marked.tokenize("Not worth the ticket price at all.") == [
        "not", "~worth", "~ticket", "price"
    ]  # fmt: skip
    assert marked.tokenize("I didn't laugh, but the music was lovely!") == [
        "not", "~laugh", "but", "music", "lovely"
    ]  # fmt: skip
    assert marked.tokenize("Never boring. Great cast") == ["never", "~bore", "great", "cast"]
    # Off by default, and a marked model's tokens are cached apart from an unmarked one's.
    assert Preprocessor().tokenize("not worth it") == ["not", "worth"]
    assert marked.config.cache_key() != PreprocessConfig(keep_contrast=True).cache_key()
    with pytest.raises(ValueError, match="negation_scope"):
        PreprocessConfig(negation_scope=-1)
