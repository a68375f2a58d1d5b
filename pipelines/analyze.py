"""From a scan to a sentiment: one ``Pipeline`` that reads an image and classifies its text.

The whole path of one image, in ``Pipeline.analyze``: read the pages and find the handwritten lines
(``ocr``), join them into the review text, classify it (``nlp``), and add the warnings a user needs
to judge the verdict (low OCR confidence, no text, few known words). Problems a user can fix (an
unreadable file, an empty review) become the record's ``error``; nothing is raised per image.

The same ``ReviewResult.to_dict()`` is what ``inksight analyze``, ``inksight batch`` and the web app
print, so a record means the same thing everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from inksight.nlp.errors import NlpError
from inksight.ocr.engines import RECOGNIZER_HELP
from inksight.ocr.engines.trocr.recognizer import RUNTIMES
from inksight.ocr.types import OcrResult
from inksight.pipelines.devices import DEVICE_HELP, DTYPE_HELP, check_device, check_dtype
from inksight.pipelines.errors import USER_ERRORS, PipelineError, error_sentence
from inksight.pipelines.record import ReviewResult

if TYPE_CHECKING:  # torch loads with the classifier; importing this module stays light
    from inksight.nlp.classifier import Sentiment, SentimentClassifier
    from inksight.ocr.reader import ImageSource

__all__ = ["Pipeline", "PipelineConfig", "ReviewResult", "apply_threads", "error_sentence"]


@dataclass
class PipelineConfig:
    """How a ``Pipeline`` is built: which OCR engine, which sentiment model, when to warn."""

    ocr: Literal["auto", "rapidocr", "trocr"] = field(
        default="auto",
        metadata={"help": "OCR engine: auto (TrOCR when its weights are here, else rapidocr)."},
    )
    model: Path | None = field(
        default=None,
        metadata={"help": "Sentiment model folder or Hugging Face Hub id user/name "
                  "(default: the default model)."},
    )  # fmt: skip
    trocr_model: str | None = field(
        default=None,
        metadata={"help": "TrOCR folder or hub id (default: microsoft/trocr-small-handwritten)."},
    )
    recognizer: str = field(default="handwriting", metadata={"help": RECOGNIZER_HELP})
    trocr_int8: bool = field(
        default=False,
        metadata={"help": "Read with TrOCR quantised to dynamic int8 (about 2x faster on a CPU)."},
    )
    trocr_runtime: Literal["torch", "onnxruntime"] = field(
        default="torch",
        metadata={"help": "Run TrOCR's image encoder in torch or onnxruntime (faster on a CPU)."},
    )
    device: str = field(default="auto", metadata={"help": f"TrOCR: {DEVICE_HELP}"})
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = field(
        default="auto", metadata={"help": f"TrOCR: {DTYPE_HELP}"}
    )
    threads: int | None = field(
        default=None,
        metadata={"help": "CPU threads for reading (default: all cores; 1 per batch worker)."},
    )
    low_confidence: float = field(
        default=0.8,
        metadata={"help": "Warn when the lines' mean OCR confidence is below this (0..1)."},
    )
    few_known_words: float = field(
        default=0.5,
        metadata={"help": "Warn when fewer than this share of the words are known to the model."},
    )
    max_pages: int | None = field(
        default=None,
        metadata={"help": "Read at most this many pages of each PDF or TIFF; the record warns "
                  "when pages were left out (default: every page; the web app: 20)."},
    )  # fmt: skip

    def __post_init__(self) -> None:
        if self.ocr not in ("auto", "rapidocr", "trocr"):
            raise PipelineError(f"unknown OCR engine {self.ocr!r}; choose auto, rapidocr or trocr.")
        if self.trocr_runtime not in RUNTIMES:
            raise PipelineError(
                f"unknown TrOCR runtime {self.trocr_runtime!r}; choose {' or '.join(RUNTIMES)}."
            )
        for name in ("low_confidence", "few_known_words"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise PipelineError(f"--{name.replace('_', '-')} must be between 0 and 1.")
        if self.threads is not None and self.threads < 1:
            raise PipelineError("--threads must be at least 1.")
        self.device, self.dtype = check_device(self.device), check_dtype(self.dtype)
        if self.max_pages is not None and self.max_pages < 1:
            raise PipelineError("--max-pages must be at least 1.")
        if self.model is not None:
            self.model = Path(self.model)


def apply_threads(config: PipelineConfig) -> None:
    """At a program's edge (a command, the server's start): give torch and OpenCV the config's
    thread count. Library code never changes it, since it belongs to the whole process."""
    if config.threads:
        from inksight.ocr import set_threads

        set_threads(config.threads)


class Pipeline:
    """OCR engine + sentiment classifier, loaded once, reused for every image.

    Args:
        engine: An OCR engine (``ocr.build_engine``), or anything with ``name`` and
            ``read(image) -> OcrResult``.
        classifier: A loaded ``SentimentClassifier``.
        config: Warning thresholds (and, for ``from_config``, how the models were chosen).
    """

    def __init__(
        self, engine: Any, classifier: SentimentClassifier, config: PipelineConfig | None = None
    ) -> None:
        self.engine = engine
        self.classifier = classifier
        self.config = config or PipelineConfig()
        # spaCy and the lemma tables load on first use: pay that now, not on the first review.
        classifier.classify_many(["a good film"])

    @classmethod
    def from_config(cls, config: PipelineConfig | None = None) -> Pipeline:
        """Load the OCR engine and the sentiment model a config names (assets resolved locally)."""
        from inksight.pipelines.ocr_jobs import build_ocr_engine, trocr_placement
        from inksight.pipelines.train.default_model import load_model

        config = config or PipelineConfig()
        options = {"threads": config.threads} if config.threads else {}
        trocr = {"quantize": config.trocr_int8, "runtime": config.trocr_runtime}
        cpu_only = config.trocr_int8 or config.trocr_runtime != "torch"  # auto: the CPU then
        trocr.update(trocr_placement(config.device, config.dtype, cpu_only=cpu_only))
        engine = build_ocr_engine(
            config.ocr, config.trocr_model, trocr, recognizer=config.recognizer, **options
        )
        return cls(engine, load_model(config.model), config)

    def word_contributions(self, text: str) -> list[tuple[str, float | None]]:
        """``text`` in pieces, each word with its signed push towards the label (-1..1)."""
        from inksight.nlp.explain import word_contributions

        return word_contributions(self.classifier, text)

    def analyze(self, image: ImageSource, path: str | None = None) -> ReviewResult:
        """Read one image or PDF (a path, bytes, a file or a PIL image) and classify its text.

        Args:
            image: Anything the image reader takes; a multi-page PDF gives one result, its pages'
                lines joined in order (each line keeps its ``page``).
            path: The name to show in the record (default: ``image`` when it is a path).
        """
        if path is None and isinstance(image, str | Path):
            path = str(image)
        from inksight.ocr.reader import read_limits

        start = time.perf_counter()
        try:
            with read_limits(max_pages=self.config.max_pages):  # the engine's reader obeys them
                ocr = self.engine.read(image)
        except USER_ERRORS as error:
            seconds = {"ocr": time.perf_counter() - start, "nlp": 0.0}
            return self._result(path, None, "", None, seconds, [], error_sentence(error), start)
        ocr_seconds = time.perf_counter() - start
        warnings = list(ocr.warnings)
        if ocr.lines:
            mean = sum(line.confidence for line in ocr.lines) / len(ocr.lines)
            if mean < self.config.low_confidence:
                warnings.append(
                    f"the handwriting was hard to read (mean OCR confidence {mean:.2f}); "
                    "the sentiment may be unreliable, check the text."
                )
        sentiment, nlp_warnings, nlp_seconds = self._classify(ocr.text)
        warnings += nlp_warnings
        seconds = {"ocr": ocr_seconds, "nlp": nlp_seconds}
        return self._result(path, ocr, ocr.text, sentiment, seconds, warnings, None, start)

    def analyze_text(self, text: str) -> ReviewResult:
        """Classify typed or corrected text; an empty or unscorable text is the record's error."""
        start = time.perf_counter()
        try:
            sentiment = self._sentiment(text)
        except NlpError as error:
            seconds = {"ocr": 0.0, "nlp": time.perf_counter() - start}
            return self._result(None, None, text, None, seconds, [], str(error), start)
        seconds = {"ocr": 0.0, "nlp": time.perf_counter() - start}
        warnings = list(sentiment.warnings)
        return self._result(None, None, text, sentiment, seconds, warnings, None, start)

    # --- helpers --------------------------------------------------------------------------------
    def _classify(self, text: str) -> tuple[Sentiment | None, list[str], float]:
        """Sentiment of OCR text; text the model cannot score is a warning, not a failed file."""
        start = time.perf_counter()
        if not text.strip():
            return None, [], 0.0  # the engine already said no text was found
        try:
            sentiment = self._sentiment(text)
        except NlpError as error:
            return None, [f"no sentiment: {error}"], time.perf_counter() - start
        return sentiment, list(sentiment.warnings), time.perf_counter() - start

    def _sentiment(self, text: str) -> Sentiment:
        return self.classifier.classify(text, few_known_share=self.config.few_known_words)

    @staticmethod
    def _result(
        path: str | None,
        ocr: OcrResult | None,
        text: str,
        sentiment: Sentiment | None,
        seconds: dict[str, float],
        warnings: list[str],
        error: str | None,
        start: float,
    ) -> ReviewResult:
        seconds = {**seconds, "total": time.perf_counter() - start}
        return ReviewResult(path, ocr, text, sentiment, seconds, warnings=warnings, error=error)
