"""CTC beam search with a word language model, on made-up recogniser probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from inksight.ocr.decoding import BeamDecoder
from inksight.ocr.language_model import WordLanguageModel

CHARACTERS = ["<blank>", *"abcdefghijklmnopqrstuvwxyz'", " "]
REVIEWS = [
    "i went to full screenings of it and it was really good",
    "it was really good and i thoroughly enjoyed it",
    "we went to full houses, it was really fun",
] * 5


def frames(spec: list[str | dict[str, float]]) -> np.ndarray:
    """One sure frame per character (or a {char: p} mix), each followed by a blank frame."""
    rows = []
    for item in spec:
        row = np.full(len(CHARACTERS), 1e-5)
        for char, p in ({item: 0.97} if isinstance(item, str) else item).items():
            row[CHARACTERS.index(char)] = p
        blank = np.full(len(CHARACTERS), 1e-5)
        blank[0] = 1.0
        rows += [row / row.sum(), blank / blank.sum()]
    return np.array(rows)


@pytest.fixture(scope="module")
def decoder() -> BeamDecoder:
    return BeamDecoder(CHARACTERS, WordLanguageModel(REVIEWS))


def test_a_clear_line_reads_exactly_as_greedy_decoding_would(decoder):
    assert decoder.decode(frames(list("i went to full screenings"))) == "i went to full screenings"


def test_a_lost_word_gap_is_restored(decoder):
    assert decoder.decode(frames(list("we went tofull houses"))) == "we went to full houses"


def test_context_turns_an_n_the_recogniser_preferred_into_the_r_of_a_known_word(decoder):
    mixed = {"n": 0.6, "r": 0.35}  # the recogniser leans to n, as on narrow cursive
    line = [*"it was ", "h", "e", "a", "l", "l", "y", " ", *"good"]
    line[7] = {"h": 0.6, "r": 0.35}
    assert decoder.decode(frames(line)) == "it was really good"
    assert decoder.decode(frames([*"tho", mixed, *"oughly enjoyed"])) == "thoroughly enjoyed"


def test_without_a_language_model_it_is_plain_ctc_decoding():
    plain = BeamDecoder(CHARACTERS)
    assert plain.decode(frames(list("tofull"))) == "tofull"
    assert plain.decode(frames([*"tho", {"n": 0.6, "r": 0.35}, *"oughly"])) == "thonoughly"


def _recognizer(probabilities: np.ndarray, language_model: WordLanguageModel | None):
    """A RapidRecognizer whose model 'sees' ``probabilities`` for any crop."""
    from types import SimpleNamespace

    from inksight.ocr.engines.rapidocr import RapidRecognizer

    text_rec = SimpleNamespace(
        session=lambda batch: np.repeat(probabilities[None], len(batch), axis=0),
        postprocess_op=SimpleNamespace(character=CHARACTERS),
    )
    return RapidRecognizer(SimpleNamespace(text_rec=text_rec), language_model=language_model)


def test_a_line_the_language_model_rewrote_is_reported_less_sure_than_a_clear_one():
    model = WordLanguageModel(REVIEWS)
    crop = np.full((40, 200, 3), 255, dtype=np.uint8)
    clear = frames(list("it was really good"))
    ((text, sure),) = _recognizer(clear, model).recognize([crop])
    assert text == "it was really good" and sure > 0.95
    shaky = {"h": 0.6, "r": 0.35}
    rewritten = frames([*"it was ", shaky, *"eally ", *"tho", {"n": 0.6, "r": 0.35}, *"oughly"])
    ((text, unsure),) = _recognizer(rewritten, model).recognize([crop])
    ((greedy, greedy_confidence),) = _recognizer(rewritten, None).recognize([crop])
    assert greedy == "it was heally thonoughly" and text == "it was really thoroughly"
    assert unsure < greedy_confidence < sure


def test_a_saved_word_model_reads_back_the_same_and_a_foreign_file_is_refused(tmp_path):
    model = WordLanguageModel(["a really good film", "a really good cast"])
    model.save(tmp_path / "words.json")
    again = WordLanguageModel.load(tmp_path / "words.json")

    assert again.score("really", "good") == model.score("really", "good")
    assert again.score(None, "a") == model.score(None, "a")
    assert again.is_prefix("rea") and "film" in again
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not an inksight-words"):
        WordLanguageModel.load(tmp_path / "other.json")
