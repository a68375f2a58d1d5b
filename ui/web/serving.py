"""Where and for whom the web app is served: address, password, public link.

Gradio-free, so ``inksight demo`` checks its options (and the environment) in one sentence before
loading any model. The address follows gradio's own convention: an option given wins, then
``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` (what Hugging Face Spaces and containers set),
then 127.0.0.1:7860. The password comes from ``--auth user:password`` or ``INKSIGHT_AUTH``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from inksight.pipelines.errors import PipelineError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "server_address", "parse_auth", "share_warning"]

DEFAULT_HOST = "127.0.0.1"  # only this machine, unless asked otherwise
DEFAULT_PORT = 7860  # gradio's


def server_address(
    host: str | None = None, port: int | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """(host, port) to serve on: the options, else gradio's environment variables, else the
    defaults. A port outside 1-65535, given or from the environment, is one sentence."""
    env = os.environ if env is None else env
    host = host or env.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    if port is None:
        text = env.get("GRADIO_SERVER_PORT", "").strip()
        try:
            port = int(text) if text else DEFAULT_PORT
        except ValueError:
            raise PipelineError(
                f"GRADIO_SERVER_PORT must be a port number, not {text!r}."
            ) from None
        where = "GRADIO_SERVER_PORT" if text else "--port"
    else:
        where = "--port"
    if not 1 <= port <= 65535:
        raise PipelineError(f"{where} must be between 1 and 65535, not {port}.")
    return host, port


def parse_auth(text: str | None, env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``user:password`` (from the option, else ``INKSIGHT_AUTH``) as gradio's auth pair.

    The password may itself hold colons (the first one separates); neither part may be empty.
    The sentence for a malformed value never repeats it: it may hold a password."""
    env = os.environ if env is None else env
    source = "--auth" if text else "INKSIGHT_AUTH"
    text = text or env.get("INKSIGHT_AUTH") or None
    if text is None:
        return None
    user, colon, password = text.partition(":")
    if not colon or not user.strip() or not password:
        raise PipelineError(f"{source} must be user:password, with neither part empty.")
    return user.strip(), password


def share_warning(share: bool, auth: tuple[str, str] | None) -> str | None:
    """The one-sentence warning for a public link anyone can open."""
    if share and auth is None:
        return (
            "--share makes the app public on a gradio.live link without a password; add "
            "--auth user:password (or set INKSIGHT_AUTH) to require one."
        )
    return None
