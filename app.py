"""Hugging Face Spaces entry point: the Inksight web app, as `inksight demo` serves it.

Spaces runs `python app.py` after `pip install -r requirements.txt` and sets GRADIO_SERVER_NAME
(0.0.0.0) and GRADIO_SERVER_PORT, which `inksight demo` honours; hosts that set PORT instead
(Render, Railway, Cloud Run) are covered too. The default sentiment model is trained into the
cache on the first start (a few minutes) and reused afterwards. Options pass through, e.g.
`python app.py --max-queue 20`; see docs/deploy.md.
"""

import os
import sys

from inksight.ui.cli import main

if __name__ == "__main__":
    if os.environ.get("PORT"):
        os.environ.setdefault("GRADIO_SERVER_PORT", os.environ["PORT"])
    os.environ.setdefault("GRADIO_SERVER_NAME", "0.0.0.0")  # a hosted app is reached from outside
    sys.exit(main(["demo", *sys.argv[1:]]))
