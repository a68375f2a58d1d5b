"""A trained sentiment model as one object: preprocessing + vocabulary + network + explanations.

A model is a folder (no pickle anywhere):
    model.safetensors   weights of ``EmbeddingClassifier``
    config.json         format version, ModelConfig, encoding options, labels, embedding origin
    vocab.txt           ``inksight-vocab v1`` header, then ``token<TAB>count`` per index
    preprocess.json     the PreprocessConfig the vocabulary was built with
    metrics.json        scores, the data and command behind them, provenance (written by training)
    README.md           the model card, rendered from config.json and metrics.json (``nlp.hub``)

The same folder is a Hugging Face Hub repository: ``SentimentClassifier.from_pretrained`` takes a
folder or a Hub id, ``save_pretrained`` writes a folder and ``push_to_hub`` uploads one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from inksight.nlp.data import encode_sequences
from inksight.nlp.errors import NlpError
from inksight.nlp.hub import model_card, push_folder, resolve_model_folder
from inksight.nlp.model import EmbeddingClassifier, ModelConfig
from inksight.nlp.preprocess import PreprocessConfig, Preprocessor
from inksight.nlp.vocab import Vocab, add_bigrams

__all__ = ["LABELS", "Sentiment", "SentimentClassifier", "load_classifier", "save_classifier"]

FORMAT = "inksight-model v1"
LABELS = ("negative", "positive")
FEW_KNOWN_SHARE = 0.5  # default: below this share of known words the label is flagged as shaky


@dataclass
class Sentiment:
    """One review's verdict: label, the probability of that label, and the words behind it."""

    label: str
    probability: float
    top_words: list[dict] = field(default_factory=list)  # [{"word": str, "score": float}]
    tokens: int = 0
    known_tokens: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class SentimentClassifier:
    """Predicts sentiment for raw texts, with per-word signed contributions."""

    def __init__(
        self,
        model: EmbeddingClassifier,
        vocab: Vocab,
        preprocessor: Preprocessor,
        *,
        max_len: int = 400,
        bigrams: bool = False,
        info: dict | None = None,
        metrics: dict | None = None,
    ) -> None:
        if model.config.vocab_size != len(vocab):
            raise NlpError(
                f"the vocabulary has {len(vocab)} words but the weights expect "
                f"{model.config.vocab_size}; the model folder mixes files from different models."
            )
        self.model = model.eval()
        self.vocab = vocab
        self.preprocessor = preprocessor
        self.max_len = max_len
        self.bigrams = bigrams
        self.info = info or {}
        self.metrics = metrics  # what training measured; travels with save_pretrained

    # --- the model as a folder or a Hub repository -----------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        folder_or_hub_id: str | Path,
        *,
        revision: str | None = None,
        allow_download: bool | None = None,
    ) -> SentimentClassifier:
        """Load a model folder, or a Hub id (``user/name``) from the Hugging Face cache; a Hub id
        that is not cached is downloaded only when allowed (see ``nlp.hub``).

        Args:
            folder_or_hub_id: A model folder, or a Hub id.
            revision: Branch, tag or commit of a Hub id (default: ``main``).
            allow_download: Fetch an uncached Hub id (default: ``INKSIGHT_ALLOW_DOWNLOAD``);
                never while ``HF_HUB_OFFLINE=1``.
        """
        folder = resolve_model_folder(
            folder_or_hub_id, revision=revision, allow_download=allow_download
        )
        return load_classifier(folder)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write this model as a folder (with its model card) that ``from_pretrained`` loads."""
        return save_classifier(
            folder, self.model, self.vocab, self.preprocessor.config, max_len=self.max_len,
            bigrams=self.bigrams, info=self.info, metrics=self.metrics,
        )  # fmt: skip

    def push_to_hub(
        self,
        repo_id: str,
        *,
        private: bool = False,
        token: str | None = None,
        commit_message: str = "Upload Inksight sentiment model",
    ) -> str:
        """Save this model to a temporary folder and upload it to the Hub repository ``repo_id``
        (created when missing); returns the commit URL. See ``nlp.hub.push_folder``."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="inksight-push-") as tmp:
            folder = self.save_pretrained(tmp)
            return push_folder(
                folder, repo_id, private=private, token=token, commit_message=commit_message
            )

    # --- prediction -------------------------------------------------------------------------
    def classify(
        self, text: str, top_k: int = 8, few_known_share: float = FEW_KNOWN_SHARE
    ) -> Sentiment:
        """Sentiment of one text; raises ``NlpError`` for empty or entirely unknown text.

        A verdict resting on fewer than ``few_known_share`` known words carries a warning.
        """
        result = self.classify_many([text], top_k=top_k, few_known_share=few_known_share)[0]
        if isinstance(result, NlpError):
            raise result
        return result

    def classify_many(
        self, texts: Sequence[str], top_k: int = 8, few_known_share: float = FEW_KNOWN_SHARE
    ) -> list[Sentiment | NlpError]:
        """One result per text, in order; a text that cannot be scored yields its ``NlpError``
        (so does a value that is not text: a column's missing cell, a number)."""
        texts = list(texts)
        not_text = {
            i: f"a review is text (a str), not {type(text).__name__}."
            for i, text in enumerate(texts)
            if not isinstance(text, str)
        }
        token_lists = self.preprocessor.tokenize_many(
            ["" if i in not_text else text for i, text in enumerate(texts)]
        )
        results: list[Sentiment | NlpError | None] = [None] * len(texts)
        batch_rows: list[int] = []
        for i, (text, tokens) in enumerate(zip(texts, token_lists, strict=True)):
            problem = not_text.get(i) or self._problem(text, tokens)
            if problem:
                results[i] = NlpError(problem)
            else:
                batch_rows.append(i)
        if batch_rows:
            features = [self._features(token_lists[i]) for i in batch_rows]
            for i, sentiment in zip(batch_rows, self._score(features, top_k), strict=True):
                sentiment.tokens = len(token_lists[i][: self.max_len])
                known = sum(t in self.vocab for t in token_lists[i][: self.max_len])
                sentiment.known_tokens = known
                if self.preprocessor.is_truncated(texts[i]):
                    sentiment.warnings.append(
                        f"the review is longer than {self.preprocessor.config.max_chars:,} "
                        "characters; only its beginning was read."
                    )
                if known < few_known_share * sentiment.tokens:
                    sentiment.warnings.append(
                        f"only {known} of {sentiment.tokens} words are known to the model; "
                        "the label may be unreliable."
                    )
                results[i] = sentiment
        return results  # type: ignore[return-value]

    def _problem(self, text: str, tokens: list[str]) -> str | None:
        if not text or not text.strip():
            return "the review is empty."
        if not tokens:
            return "the review has no words left after cleaning (only stopwords or symbols)."
        if not any(t in self.vocab for t in tokens[: self.max_len]):
            return (
                f"none of the review's {len(tokens)} words are in the model's vocabulary, "
                "so no label can be given."
            )
        return None

    def encode(self, token_lists: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Token lists as the id sequences this model reads (its vocabulary, length cap, bigrams)."""
        return encode_sequences(token_lists, self.vocab, max_len=self.max_len, bigrams=self.bigrams)

    def _features(self, tokens: list[str]) -> list[str]:
        tokens = tokens[: self.max_len]
        return add_bigrams(tokens) if self.bigrams else tokens

    @torch.inference_mode()
    def _score(self, features: list[list[str]], top_k: int) -> list[Sentiment]:
        width = max(len(f) for f in features)
        ids = torch.zeros((len(features), width), dtype=torch.long)
        for row, feats in enumerate(features):
            ids[row, : len(feats)] = torch.from_numpy(self.vocab.encode(feats).astype(np.int64))
        probs = torch.softmax(self.model(ids), dim=-1)
        contrib = self.model.token_contributions(ids)
        out = []
        for row, feats in enumerate(features):
            p_pos = float(probs[row, 1])
            label = LABELS[int(p_pos >= 0.5)]
            per_word: dict[str, float] = {}
            for pos, token in enumerate(feats):
                score = float(contrib[row, pos])
                if score != 0.0 and token in self.vocab:
                    per_word[token] = per_word.get(token, 0.0) + score
            ranked = sorted(per_word.items(), key=lambda kv: -abs(kv[1]))[:top_k]
            out.append(
                Sentiment(
                    label=label,
                    probability=round(max(p_pos, 1 - p_pos), 4),
                    top_words=[
                        {"word": w.replace("_", " "), "score": round(s, 4)} for w, s in ranked
                    ],
                )
            )
        return out

    # --- views used by the embedding lab ----------------------------------------------------
    def embedding_matrix(self) -> np.ndarray:
        return self.model.embedding.weight.detach().cpu().numpy().copy()

    def word_leans(self) -> np.ndarray:
        """Each vocabulary word's signed lean (>0 towards positive): its vector times the Linear
        weight difference, as it would count if it won every pooled dimension."""
        weight = self.model.classifier.weight.detach()
        lean = (weight[1] - weight[0])[: self.model.config.embed_dim]
        return (self.model.embedding.weight.detach() @ lean).cpu().numpy()


def save_classifier(
    folder: str | Path,
    model: EmbeddingClassifier,
    vocab: Vocab,
    preprocess_config: PreprocessConfig,
    *,
    max_len: int,
    bigrams: bool,
    info: dict | None = None,
    metrics: dict | None = None,
) -> Path:
    """Write a self-describing model folder that ``load_classifier`` rebuilds exactly, with
    its model card (``README.md``) rendered from the config and the metrics."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": FORMAT})
    config = {
        "format": FORMAT,
        "model": model.config.to_dict(),
        "encoding": {"max_len": max_len, "bigrams": bigrams},
        "labels": list(LABELS),
        **(info or {}),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    vocab.save(folder / "vocab.txt")
    (folder / "preprocess.json").write_text(preprocess_config.to_json() + "\n")
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (folder / "README.md").write_text(model_card(config, metrics))
    return folder


def load_classifier(folder: str | Path) -> SentimentClassifier:
    """Rebuild a classifier from its folder; every problem is one ``NlpError`` sentence."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    if not folder.is_dir():
        raise NlpError(f"model folder {folder} does not exist.")
    missing = [
        name
        for name in ("model.safetensors", "config.json", "vocab.txt", "preprocess.json")
        if not (folder / name).is_file()
    ]
    if missing:
        raise NlpError(f"model folder {folder} is incomplete: {', '.join(missing)} missing.")
    try:
        config = json.loads((folder / "config.json").read_text())
        preprocess = PreprocessConfig.from_dict(
            json.loads((folder / "preprocess.json").read_text())
        )
        metrics_file = folder / "metrics.json"
        metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else None
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
        raise NlpError(f"model folder {folder} has a damaged config file ({error}).") from error
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise NlpError(f"{folder / 'config.json'} is not an Inksight model config ({FORMAT}).")
    vocab = Vocab.load(folder / "vocab.txt")
    # Built on the meta device: random initialisation of a large vocabulary costs seconds and
    # is overwritten by the saved weights anyway.
    with torch.device("meta"):
        model = EmbeddingClassifier(ModelConfig(**config["model"]))
    try:
        state = load_file(str(folder / "model.safetensors"))
        model.load_state_dict(state, assign=True)
    except (SafetensorError, RuntimeError, OSError) as error:
        raise NlpError(
            f"the weights in {folder / 'model.safetensors'} are damaged or do not fit the config."
        ) from error
    encoding = config.get("encoding", {})
    info = {k: v for k, v in config.items() if k not in ("format", "model", "encoding", "labels")}
    return SentimentClassifier(
        model,
        vocab,
        Preprocessor(preprocess),
        max_len=int(encoding.get("max_len", 400)),
        bigrams=bool(encoding.get("bigrams", False)),
        info=info,
        metrics=metrics,
    )
