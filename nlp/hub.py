"""A sentiment model on the Hugging Face Hub: its model card, finding it by id, pushing it.

A Hub id (``user/name``) is resolved local first: an existing folder wins, then the Hugging Face
cache (no network), then a download, only when allowed (``allow_download=True`` or
``INKSIGHT_ALLOW_DOWNLOAD=1``, the switch ``inksight.pipelines.assets`` reads) and never while
``HF_HUB_OFFLINE=1``. When the model is not here, one sentence names the id and how to get it,
without a network attempt.

The model card (``README.md``) is rendered from the folder's config and ``metrics.json``, so the
card and the numbers it quotes can never disagree.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

from inksight.nlp.errors import NlpError

__all__ = [
    "MODEL_FILES",
    "check_push_target",
    "hub_offline",
    "is_hub_id",
    "model_card",
    "push_folder",
    "resolve_model_folder",
]

# What a model folder holds on the Hub; anything else in a local folder stays local.
MODEL_FILES = (
    "model.safetensors",
    "config.json",
    "vocab.txt",
    "preprocess.json",
    "metrics.json",
    "README.md",
)
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_TRUE = ("1", "true", "yes", "on")


def is_hub_id(name: str | Path) -> bool:
    """Whether ``name`` has the shape of a Hub model id (``user/name``), not of a path."""
    text = str(name)
    return bool(_HUB_ID.fullmatch(text)) and not text.startswith((".", "~"))


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``), read now rather than at import time."""
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _downloads_allowed(allow_download: bool | None) -> bool:
    # Mirrors pipelines.assets.downloads_allowed (nlp may not import pipelines); the Hub's own
    # offline switch wins over everything, since huggingface_hub would refuse anyway.
    if hub_offline():
        return False
    if allow_download is not None:
        return allow_download
    return os.environ.get("INKSIGHT_ALLOW_DOWNLOAD", "").lower() in ("1", "true", "yes")


def _hub_cache_dir() -> str | None:
    # Read at call time: huggingface_hub reads HF_HUB_CACHE once, when it is first imported.
    return os.environ.get("HF_HUB_CACHE") or None


def resolve_model_folder(
    name: str | Path, *, revision: str | None = None, allow_download: bool | None = None
) -> Path:
    """The local folder holding model ``name``: a folder, the Hugging Face cache, or a download.

    Args:
        name: A model folder, or a Hub id ``user/name``.
        revision: Branch, tag or commit of a Hub id (default: ``main``); unused for a folder.
        allow_download: Fetch a Hub id that is not cached (default: ``INKSIGHT_ALLOW_DOWNLOAD``);
            never while ``HF_HUB_OFFLINE=1``.

    Raises:
        NlpError: the folder does not exist, or the Hub id is not here and may not be fetched.
    """
    folder = Path(name).expanduser()
    if folder.is_dir() or not is_hub_id(name):
        return folder  # load_classifier names a missing or incomplete folder
    repo_id = str(name)
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    options = {"revision": revision, "cache_dir": _hub_cache_dir()}
    try:
        return Path(snapshot_download(repo_id, local_files_only=True, **options))
    except (LocalEntryNotFoundError, OSError, ValueError):
        pass
    where = f"{repo_id}" + (f" (revision {revision})" if revision else "")
    if not _downloads_allowed(allow_download):
        why = "HF_HUB_OFFLINE is set" if hub_offline() else "downloads are off"
        raise NlpError(
            f"{where} is neither a model folder nor in the Hugging Face cache and {why}: "
            "run once with network and INKSIGHT_ALLOW_DOWNLOAD=1 (HF_HUB_OFFLINE unset) to fetch "
            "it, or pass a model folder."
        )
    _check_reachable(where)
    return _download(repo_id, options, where)


def _download(repo_id: str, options: dict, where: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(MODEL_FILES), **options))
    except RepositoryNotFoundError as error:
        raise NlpError(
            f"there is no model {where} on the Hugging Face Hub that you may read "
            "(check the id, or log in with `hf auth login` for a private one)."
        ) from error
    except HfHubHTTPError as error:
        raise NlpError(
            f"downloading {where} from the Hugging Face Hub failed ({error})."
        ) from error


def _check_reachable(what: str, timeout: float = 3.0) -> None:
    """Fail in seconds, not after minutes of retries, when the Hub cannot be reached."""
    host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or ""
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as error:
        raise NlpError(
            f"cannot download {what}: {host} is unreachable from this machine (offline?)."
        ) from error


def check_push_target(repo_id: str) -> None:
    """Raise ``NlpError`` now, before any work, if ``repo_id`` cannot be pushed to."""
    if not is_hub_id(repo_id):
        raise NlpError(f"{repo_id!r} is not a Hub id; write it as user/name.")
    if hub_offline():
        raise NlpError(f"cannot push to {repo_id}: HF_HUB_OFFLINE is set.")


def push_folder(
    folder: str | Path,
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    commit_message: str = "Upload Inksight sentiment model",
) -> str:
    """Upload a model folder's files (weights, config, vocabulary, metrics, card) to the Hub.

    Args:
        folder: A model folder with a model card (every folder ``save_classifier`` writes has one).
        repo_id: ``user/name``; the repository is created when it does not exist yet.
        private: Create the repository private (an existing one keeps its visibility).
        token: A Hub token (default: ``HF_TOKEN`` or the one ``hf auth login`` stored).

    Returns:
        The URL of the commit.

    Raises:
        NlpError: the folder is not a complete model, the id is malformed, the Hub is off or
            refuses the upload.
    """
    folder = Path(folder)
    missing = [n for n in MODEL_FILES if n != "metrics.json" and not (folder / n).is_file()]
    if missing:
        raise NlpError(f"{folder} cannot be pushed: {', '.join(missing)} missing.")
    check_push_target(repo_id)
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            allow_patterns=list(MODEL_FILES),
            commit_message=commit_message,
            repo_type="model",
        )
    except HfHubHTTPError as error:
        raise NlpError(f"pushing {folder} to {repo_id} failed ({error}).") from error
    except OSError as error:  # no token stored, or the Hub unreachable
        raise NlpError(
            f"pushing {folder} to {repo_id} failed ({error}); log in with `hf auth login` "
            "or set HF_TOKEN."
        ) from error
    return str(getattr(commit, "commit_url", commit))


# --- the model card ---------------------------------------------------------------------------
_FRONT_MATTER = """---
library_name: inksight
license: apache-2.0
language:
- en
pipeline_tag: text-classification
tags:
- sentiment-analysis
- movie-reviews
- inksight
- safetensors
metrics:
- accuracy
- f1
---
"""

_USE = """## Intended use

Telling whether an English movie review is positive or negative, for short and long reviews,
typed or read from handwriting by Inksight's OCR, and showing which words pushed the verdict.
It is a small, transparent model for learning and demos: not a moderation or decision tool.

## Limits

- **Domain shift to short text**: it learned from full-length reviews; one-sentence reviews
  carry fewer known words, and its accuracy on them is lower than the figures above.
- **Sarcasm and irony**: it weighs words, not intent; "what a masterpiece, I slept twice" reads
  as praise.
- **Non-English text**: the vocabulary is English lemmas; other languages come out as unknown
  words, and the prediction warns when few words are known.
- **OCR noise**: misread words are unknown to the vocabulary or become other words; a review
  read with low OCR confidence carries a warning, and its label deserves a second look.
- **Other domains**: product, restaurant or social-media text uses other words for the same
  feelings; score such data with `inksight evaluate` before relying on it.
"""


def model_card(config: dict, metrics: dict | None) -> str:
    """The ``README.md`` of a model folder: Hub front matter, data, split, metrics with the
    command that made them, intended use, limits and provenance."""
    parts = [_FRONT_MATTER, "# Inksight sentiment model\n", _summary(config)]
    if metrics is None:
        parts.append("## Data and metrics\n\nNo `metrics.json` was saved with this model.\n")
    else:
        parts += [_data_section(metrics), _metrics_section(metrics)]
    parts.append(_USE)
    if metrics and metrics.get("provenance"):
        parts.append(_provenance_section(metrics["provenance"]))
    return "\n".join(parts)


def _summary(config: dict) -> str:
    shape = config.get("model", {})
    encoding = config.get("encoding", {})
    bigrams = " and word pairs" if encoding.get("bigrams") else ""
    return (
        f"Embedding -> {shape.get('pooling', 'max')} pooling -> Linear: a "
        f"{shape.get('vocab_size', 0):,}-token vocabulary (words{bigrams}) of "
        f"{shape.get('embed_dim', 0)}-dimensional vectors labels a review negative or positive, "
        "and names the words behind the verdict.\n\n"
        "```python\n"
        "from inksight.nlp.classifier import SentimentClassifier\n\n"
        'model = SentimentClassifier.from_pretrained("user/name")  # a Hub id or a folder\n'
        'print(model.classify("A wonderful film with a brilliant story."))\n'
        "```\n\n"
        'On the command line: `inksight predict --model user/name "A wonderful film."`\n'
    )


def _data_section(metrics: dict) -> str:
    data = metrics.get("data") or {}
    rows = data.get("rows") or {}
    counts = ", ".join(f"{rows[s]:,} {s}" for s in ("train", "val", "test") if s in rows)
    lines = ["## Data\n", f"{data.get('source', 'Not recorded.')}", ""]
    if counts:
        lines += [f"Rows used: {counts}.", ""]
    lines += ["## Split\n", f"{data.get('split', 'Not recorded.')}", ""]
    return "\n".join(lines)


def _metrics_section(metrics: dict) -> str:
    lines = [
        "## Metrics\n",
        "| split | reviews | accuracy | F1 | calibration error (ECE) |",
        "|---|---:|---:|---:|---:|",
    ]
    for split, name in (("val", "validation"), ("test", "test")):
        score = metrics.get(split)
        if score:
            ece = score.get("ece")
            lines.append(
                f"| {name} | {score.get('n', 0):,} | {score.get('accuracy', 0):.4f} "
                f"| {score.get('f1', 0):.4f} | {'' if ece is None else f'{ece:.4f}'} |"
            )
    lines.append("")
    if metrics.get("command"):
        lines += ["Made by:", "", "```bash", metrics["command"], "```", ""]
    if "best_epoch" in metrics:
        lines.append(
            f"Best epoch {metrics['best_epoch']} of {metrics.get('epochs_run', '?')}; "
            "`inksight evaluate --model FOLDER_OR_ID` scores it again on the test split.\n"
        )
    return "\n".join(lines)


def _provenance_section(provenance: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in (provenance.get("versions") or {}).items())
    commit = provenance.get("git_commit") or "not a git checkout"
    return (
        "## Provenance\n\n"
        f"- Libraries: {versions} (whole install: `{provenance.get('install', 'not recorded')}`)\n"
        f"- Code: {commit}\n"
        f"- Data fingerprint (sha256 of the rows used): `{provenance.get('data_sha256')}`\n"
    )
