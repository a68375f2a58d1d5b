"""OCR jobs behind ``inksight ocr``: render synthetic handwriting, score an engine on it, fine-tune.

Each job is a plain function taking a typed config, so the CLI, the benchmarks and the tests call
the same code in-process. Assets (fonts, review texts, TrOCR weights) are resolved through
``inksight.pipelines.assets``; ``ocr`` only ever receives paths and loaded objects.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from inksight.ocr.engines import RECOGNIZER_HELP
from inksight.ocr.fonts import FONT_SETS, HANDWRITING_FONTS, find_fonts, select_fonts
from inksight.ocr.metrics import (
    ImageScore,
    lines_found,
    score_text,
    summarize,
    summarize_by,
    summarize_by_tag,
)
from inksight.ocr.synth import write_dataset
from inksight.pipelines.assets import (
    DEFAULT_TROCR,
    cache_dir,
    font_dirs,
    imdb_csv_path,
    trocr_model_path,
)
from inksight.pipelines.devices import (
    DEVICE_HELP,
    DTYPE_HELP,
    TRAINING_DTYPE_HELP,
    check_device,
    check_dtype,
)
from inksight.pipelines.errors import AssetError, PipelineError
from inksight.pipelines.extras import require

if TYPE_CHECKING:
    from inksight.ocr.language_model import WordLanguageModel

__all__ = [
    "EVAL_FILE",
    "TRUTH_FILE",
    "EvalConfig",
    "FinetuneConfig",
    "SynthConfig",
    "build_ocr_engine",
    "eval_main",
    "finetune_main",
    "load_truth",
    "resolve_fonts",
    "review_language_model",
    "review_texts",
    "review_vocabulary",
    "score_images",
    "synth_main",
    "trocr_placement",
]

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
TRUTH_FILE = "truth.jsonl"
EVAL_FILE = "ocr_eval.json"
Progress = Callable[[int, int], None]


@dataclass
class SynthConfig:
    """What ``inksight ocr synth`` renders."""

    out: Path = field(metadata={"help": "Folder to write images/ and truth.jsonl into."})
    n: int = field(default=100, metadata={"help": "Number of images."})
    pages: bool = field(
        default=False, metadata={"help": "Write multi-line pages instead of single lines."}
    )
    photo: bool = field(
        default=False, metadata={"help": "Phone photos (table, tilt, shadow, blur, JPEG) instead of clean scans."}
    )  # fmt: skip
    mix: bool = field(
        default=False,
        metadata={"help": "Lines and pages, clean and photo, in equal parts (overrides --pages and --photo)."},
    )  # fmt: skip
    fonts: tuple[str, ...] = field(
        default=("all",),
        metadata={
            "help": "Font names, or the sets all, tuning, held-out, hard-tuning, hard-held-out "
            "(see ocr/fonts.py)."
        },
    )
    seed: int = field(default=0, metadata={"help": "Seed: the same seed writes the same images."})
    tier: Literal["standard", "hard"] = field(
        default="standard",
        metadata={
            "help": "hard: looser hands, pencil and felt pen, sticky notes, small writing, "
            "cluttered tilted blurred photos (see ocr/synth.py)."
        },
    )

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.fonts = tuple(self.fonts)
        if self.n < 1:
            raise PipelineError(f"--n must be at least 1, not {self.n}.")
        if not self.fonts:
            raise PipelineError("--fonts needs at least one font name or set name.")

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("line", "page") if self.mix else (("page",) if self.pages else ("line",))

    @property
    def styles(self) -> tuple[str, ...]:
        return ("clean", "photo") if self.mix else (("photo",) if self.photo else ("clean",))


@dataclass
class EvalConfig:
    """How ``inksight ocr eval`` scores an engine on a folder written by ``ocr synth``."""

    dir: Path = field(metadata={"help": "Folder with truth.jsonl and its images."})
    ocr: Literal["auto", "rapidocr", "trocr"] = field(
        default="auto",
        metadata={"help": "Engine: auto (TrOCR when its weights are here, else rapidocr)."},
    )
    trocr_model: str | None = field(
        default=None, metadata={"help": f"TrOCR folder or hub id (default {DEFAULT_TROCR})."}
    )
    recognizer: str = field(default="handwriting", metadata={"help": RECOGNIZER_HELP})
    out: Path | None = field(
        default=None, metadata={"help": f"Where to write the JSON result (default DIR/{EVAL_FILE})."}
    )  # fmt: skip
    limit: int | None = field(
        default=None,
        metadata={"help": "Score only the first N images of truth.jsonl (default: all)."},
    )
    lexicon: bool = field(
        default=False,
        metadata={
            "help": "Correct misread words with an English + IMDB review word list afterwards."
        },
    )
    device: str = field(default="auto", metadata={"help": f"TrOCR: {DEVICE_HELP}"})
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = field(
        default="auto", metadata={"help": f"TrOCR: {DTYPE_HELP}"}
    )

    def __post_init__(self) -> None:
        self.dir = Path(self.dir)
        self.device, self.dtype = check_device(self.device), check_dtype(self.dtype)
        if self.limit is not None and self.limit < 1:
            raise PipelineError(f"--limit must be at least 1, not {self.limit}.")


@dataclass
class FinetuneConfig:
    """What ``inksight ocr finetune`` trains."""

    train: Path = field(metadata={"help": "Training folder with truth.jsonl and its images."})
    val: Path = field(metadata={"help": "Validation folder with truth.jsonl and its images."})
    out: Path = field(metadata={"help": "Folder to save the best model into."})
    model: str = field(
        default=DEFAULT_TROCR, metadata={"help": "TrOCR folder or hub id to start from."}
    )
    epochs: int = field(default=3, metadata={"help": "Training epochs."})
    batch_size: int = field(default=8, metadata={"help": "Line images per batch."})
    lr: float = field(default=5e-5, metadata={"help": "AdamW learning rate."})
    seed: int = field(default=0, metadata={"help": "Seed for shuffling and initialisation."})
    allow_download: bool = field(
        default=False, metadata={"help": "Fetch the model from the Hugging Face hub if missing."}
    )
    device: str = field(default="auto", metadata={"help": DEVICE_HELP})
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = field(
        default="auto", metadata={"help": TRAINING_DTYPE_HELP}
    )

    def __post_init__(self) -> None:
        for name in ("train", "val", "out"):
            setattr(self, name, Path(getattr(self, name)))
        self.device, self.dtype = check_device(self.device), check_dtype(self.dtype)
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise PipelineError("--epochs and --batch-size must be at least 1 and --lr above 0.")


# --- assets -----------------------------------------------------------------------------------


def review_texts() -> list[str]:
    """The IMDB review texts that synthetic handwriting is written from."""
    import pandas as pd

    frame = pd.read_csv(imdb_csv_path(), usecols=["text", "source"])
    return frame.loc[frame["source"] == "imdb", "text"].astype(str).tolist()


def review_vocabulary(texts: Sequence[str], min_count: int = 3) -> dict[str, int]:
    """Lower-cased words of ``texts`` seen at least ``min_count`` times (rarer ones are often typos)."""
    counts = Counter(
        word.lower() for text in texts for word in _WORD.findall(text.replace("<br />", " "))
    )
    return {word: count for word, count in counts.items() if count >= min_count}


def resolve_fonts(wanted: Sequence[str]) -> dict[str, Path]:
    """Font files for names or set names; one sentence saying what is missing otherwise."""
    dirs = font_dirs()
    found = find_fonts(dirs)
    unknown = [name for name in wanted if name not in FONT_SETS and name not in found]
    if unknown:
        handwriting = [name for name in found if name in HANDWRITING_FONTS]
        raise PipelineError(
            f"unknown font {', '.join(unknown)}; available handwriting fonts: "
            f"{', '.join(handwriting) or 'none (run scripts/install_fonts.sh)'}."
        )
    chosen = select_fonts(found, wanted)
    if not chosen:
        raise AssetError(
            "no handwriting fonts were found in "
            f"{', '.join(map(str, dirs)) or 'any font folder'}; install them with "
            "scripts/install_fonts.sh (make install does) or set INKSIGHT_FONTS_DIR."
        )
    return chosen


# --- synth ------------------------------------------------------------------------------------


def synth_main(
    config: SynthConfig, *, texts: Sequence[str] | None = None, progress: Progress | None = None
) -> dict:
    """Render ``config.n`` images and ``truth.jsonl`` into ``config.out``.

    Args:
        config: what to render.
        texts: review texts to write (default: half the IMDB reviews, ``review_texts()[0::2]``:
            the other half feeds the reader's word model, which must never see what is scored).
        progress: called with (done, total) after each image.

    Returns:
        A summary: folder, truth file, image count, fonts, kinds and styles.
    """
    fonts = resolve_fonts(config.fonts)
    records = write_dataset(
        config.out,
        list(texts) if texts is not None else review_texts()[0::2],
        fonts,
        config.n,
        kinds=config.kinds,
        styles=config.styles,
        seed=config.seed,
        tier=config.tier,
        progress=progress,
    )
    return {
        "out": str(config.out),
        "truth": str(config.out / TRUTH_FILE),
        "images": len(records),
        "fonts": sorted(fonts),
        "kinds": list(config.kinds),
        "styles": list(config.styles),
        "seed": config.seed,
        "tier": config.tier,
    }


# --- eval -------------------------------------------------------------------------------------


def load_truth(folder: Path) -> list[dict]:
    """The records of ``folder/truth.jsonl``, each with ``image`` and ``text``."""
    path = Path(folder) / TRUTH_FILE
    if not path.is_file():
        raise PipelineError(
            f"{path} does not exist; point at a folder written by `inksight ocr synth` "
            "or one with a truth.jsonl of {\"image\": ..., \"text\": ...} lines."
        )  # fmt: skip
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise PipelineError(f"{path} line {number} is not JSON ({error.msg}).") from error
            if not isinstance(record, dict) or "image" not in record or "text" not in record:
                raise PipelineError(f"{path} line {number} needs an image and a text field.")
            records.append(record)
    if not records:
        raise PipelineError(f"{path} lists no images.")
    return records


def trocr_placement(device: str, dtype: str, *, cpu_only: bool = False) -> dict[str, Any]:
    """TrOCR's ``device`` and ``dtype`` options (torch objects) for ``--device`` and ``--dtype``.

    ``cpu_only`` (int8 or the onnxruntime encoder, which are CPU paths) makes ``auto`` the CPU.
    """
    from inksight.pipelines.devices import resolve_device, resolve_dtype

    where = resolve_device("cpu" if cpu_only and device == "auto" else device)
    return {"device": where, "dtype": resolve_dtype(dtype, where)}


def build_ocr_engine(
    name: str = "auto",
    trocr_model: str | None = None,
    trocr_options: dict[str, Any] | None = None,
    *,
    recognizer: str | None = None,
    **options: Any,
):
    """Build an OCR engine, resolving TrOCR weights through ``inksight.pipelines.assets`` first.

    ``trocr_options`` (``quantize``, ``runtime``, ...) apply only when TrOCR is the one built,
    ``recognizer`` (``RECOGNIZER_HELP``; None: the engine's default) only when rapidocr is.
    rapidocr reads with ``review_language_model()`` unless ``language_model`` is given (None:
    greedy decoding).
    """
    from inksight.ocr.engines import build_engine

    def rapidocr():
        if "language_model" not in options:
            options["language_model"] = review_language_model()
        if recognizer is not None:
            options["recognizer"] = recognizer
        return build_engine("rapidocr", **options)

    if name == "rapidocr":
        return rapidocr()
    try:
        model_path = trocr_model_path(trocr_model or DEFAULT_TROCR)
    except AssetError:
        if name == "trocr":
            raise
        return rapidocr()
    if (trocr_options or {}).get("runtime") == "onnxruntime":  # the export needs onnx
        require("onnx", "--trocr-runtime onnxruntime")
    # The onnxruntime encoder's graph is kept in the cache, so the next start skips its export.
    trocr_options = {"onnx_cache": cache_dir() / "trocr-onnx", **(trocr_options or {})}
    return build_engine("trocr", trocr_model=model_path, trocr_options=trocr_options, **options)


_LM_VERSION = 1  # bump when WordLanguageModel or the texts it is built from change


def review_language_model() -> WordLanguageModel:
    """The word model rapidocr's beam search reads with, built once and cached.

    It counts the IMDB reviews ``review_texts()[1::2]`` plus symspellpy's English list. The OCR
    benchmark renders ``review_texts()[0::4]`` and the reader's tuning set ``[2::4]`` (``synth``
    by default ``[0::2]``), so no sentence they score is in the model. Without the reviews CSV it
    is the English list alone.
    """
    from inksight.ocr.language_model import WordLanguageModel
    from inksight.ocr.lexicon import dictionary_path

    try:
        csv = imdb_csv_path()
    except AssetError:
        return WordLanguageModel(english=dictionary_path())
    stat = csv.stat()
    path = cache_dir() / f"ocr-words-v{_LM_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.json"
    if path.is_file():
        try:
            return WordLanguageModel.load(path)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a torn or foreign cache file is rebuilt, not fatal
    model = WordLanguageModel(review_texts()[1::2], english=dictionary_path())
    partial = path.with_suffix(".tmp")
    model.save(partial)
    partial.replace(path)  # atomic: a reader never sees half a file
    return model


def score_images(
    engine: Any,
    folder: Path,
    records: Sequence[dict],
    *,
    correct: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> list[ImageScore]:
    """Read every image listed in ``records`` with ``engine`` and score it against its text.

    Args:
        engine: anything with ``read(path) -> OcrResult``.
        folder: the folder the records' image paths are relative to.
        records: truth records (``image``, ``text`` and optionally ``font``, ``kind``, ``style``,
            ``tier``, ``effects``, and ``lines`` with boxes, which scores detection too).
        correct: optional text correction applied to the reading (e.g. a lexicon).
        progress: called with (done, total) after each image.
    """
    scores = []
    for index, record in enumerate(records):
        result = engine.read(Path(folder) / record["image"])
        text = correct(result.text) if correct else result.text
        groups = {
            key: str(record[key]) for key in ("font", "kind", "style", "tier") if key in record
        }
        truth_boxes = [line["box"] for line in record.get("lines", ()) if line.get("box")]
        found = lines_found(truth_boxes, [line.box for line in result.lines])
        scores.append(
            score_text(
                record["image"],
                record["text"],
                text,
                result.seconds,
                groups,
                tags=record.get("effects", ()),
                lines=(len(truth_boxes), found),
                warnings=result.warnings,
            )
        )
        if progress is not None:
            progress(index + 1, len(records))
    return scores


def eval_main(config: EvalConfig, *, progress: Progress | None = None) -> dict:
    """Score an engine on a synthetic (or hand-labelled) folder; write and return the result.

    The result has ``overall``, ``by_font``, ``by_kind``, ``by_style`` summaries (CER and WER
    case-insensitive, plus a case-sensitive CER) and ``per_image`` rows, and is written as JSON to
    ``config.out`` or ``DIR/ocr_eval.json``.
    """
    records = load_truth(config.dir)[: config.limit]
    engine = build_ocr_engine(
        config.ocr,
        config.trocr_model,
        trocr_placement(config.device, config.dtype),
        recognizer=config.recognizer,
    )
    correct = None
    if config.lexicon:
        from inksight.ocr.lexicon import Lexicon

        # The half of the reviews synthetic sets are never written from, as the word model uses.
        correct = Lexicon(review_vocabulary(review_texts()[1::2])).correct_text
    scores = score_images(engine, config.dir, records, correct=correct, progress=progress)
    result = {
        "dir": str(config.dir),
        "engine": engine.name,
        "lexicon": config.lexicon,
        "note": "cer and wer ignore case and collapse whitespace; cer_case_sensitive does not "
        "ignore case; rates are totals over the set (edits / reference length).",
        "overall": summarize(scores),
        "by_font": summarize_by(scores, "font"),
        "by_kind": summarize_by(scores, "kind"),
        "by_style": summarize_by(scores, "style"),
        "by_effect": summarize_by_tag(scores),
        "per_image": [score.to_dict() for score in scores],
    }
    out = config.out or config.dir / EVAL_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    result["written"] = str(out)
    return result


# --- finetune ---------------------------------------------------------------------------------


def finetune_main(config: FinetuneConfig, *, progress: bool = False) -> dict:
    """Fine-tune TrOCR on the lines of ``config.train``, keeping the epoch best on ``config.val``.

    Returns:
        The metrics ``inksight.ocr.finetune.finetune_trocr`` reports (validation CER per epoch, best epoch,
        losses, device, the output folder).
    """
    from inksight.ocr.finetune import finetune_trocr
    from inksight.pipelines.devices import lightning_options

    for folder in (config.train, config.val):
        load_truth(folder)  # a clear sentence now rather than a crash mid-training
    trainer = lightning_options(config.device, config.dtype)  # no GPU: one sentence, now
    model = trocr_model_path(config.model, allow_download=config.allow_download)
    options = {k: getattr(config, k) for k in ("epochs", "batch_size", "lr", "seed")}
    return finetune_trocr(
        config.train, config.val, model, config.out, progress=progress, **trainer, **options
    )
