"""Shared fixtures: an isolated Inksight cache, a tiny review set and a tiny trained model.

Every test run gets its own ``INKSIGHT_HOME``, so tests never read or write the user's cache and
never find (or train) the real default model by accident. No test reaches the network (CI has
none): a TCP connection to anything but this machine fails the test that made it.
"""

from __future__ import annotations

import ipaddress
import os
import random
import socket
from pathlib import Path

import pandas as pd
import pytest

POSITIVE_WORDS = ["great", "wonderful", "excellent", "amazing", "superb", "delightful", "brilliant"]
NEGATIVE_WORDS = ["awful", "terrible", "boring", "dreadful", "horrible", "dull", "worst"]
NEUTRAL_WORDS = ["movie", "film", "plot", "actor", "scene", "story", "camera", "ending", "director"]


@pytest.fixture(scope="session", autouse=True)
def inksight_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("inksight-home")
    os.environ["INKSIGHT_HOME"] = str(home)
    os.environ.pop("INKSIGHT_MODEL", None)
    os.environ.pop("INKSIGHT_ALLOW_DOWNLOAD", None)
    return home


_LOCAL_NAMES = {"localhost", ""}


def _is_local(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str) or host in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name: resolving it already left the machine
    return ip.is_loopback or ip.is_unspecified


@pytest.fixture(scope="session", autouse=True)
def no_network() -> None:
    """Tests use packaged assets or files they make: a TCP connection off this machine fails
    with a sentence naming the address (Ray's and gradio's servers on 127.0.0.1 are fine)."""
    connect = socket.socket.connect

    def local_only(self: socket.socket, address) -> None:
        tcp = self.family in (socket.AF_INET, socket.AF_INET6) and self.type == socket.SOCK_STREAM
        if tcp and not _is_local(address):
            raise AssertionError(
                f"a test tried to reach {address}; tests must use packaged assets or files "
                "they make."
            )
        return connect(self, address)

    socket.socket.connect = local_only
    yield
    socket.socket.connect = connect


def make_reviews(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Separable toy reviews: positive ones use praise words, negative ones complaints."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        mood = POSITIVE_WORDS if label else NEGATIVE_WORDS
        words = rng.sample(NEUTRAL_WORDS, 4) + rng.sample(mood, 2)
        rng.shuffle(words)
        rows.append({"text": "The " + " ".join(words) + ".<br />Really.", "label": label})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def tiny_reviews_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "reviews.csv"
    make_reviews().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_reviews_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained in seconds on the toy reviews (plumbing, not quality)."""
    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    out = tmp_path_factory.mktemp("models") / "tiny"
    train_main(
        TrainConfig(
            out=out, data=tiny_reviews_csv, embed_dim=16, epochs=6, patience=6, batch_size=16,
            lr=0.02, min_freq=1, progress=False,
        )
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def sharp_tiny_trocr():
    """The tiny model, its cross-attention sharpened: at random initialisation every crop reads
    as the same text, so a test comparing two ways of reading could not see a mix-up of lines."""
    import torch

    from inksight.ocr.engines.trocr.configs import build_trocr

    model, processor = build_trocr("tiny", seed=3)
    with torch.no_grad():
        for layer in model.decoder.model.decoder.layers:
            attention = layer.encoder_attn
            for linear in (attention.q_proj, attention.k_proj, attention.v_proj):
                linear.weight.mul_(10.0)
    return model, processor
