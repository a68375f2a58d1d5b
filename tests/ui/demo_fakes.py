"""`inksight demo` with nothing really served, for the command-line and web-app tests."""

from __future__ import annotations


def fake_serving(monkeypatch) -> dict:
    """Replace building and launching the app; returns what ``inksight demo`` handed them
    (pipeline, lab, limits; ``launch``: address, password). Serving variables are unset."""
    import inksight.ui.commands.demo
    import inksight.ui.web.app

    served: dict = {}

    class Demo:
        def block_thread(self):
            pass

        def close(self):
            pass

    def build_demo(pipeline, lab, **options):
        served.update(pipeline=pipeline, lab=lab, **options)
        return Demo()

    def launch_demo(demo, **options):
        served["launch"] = options
        return "http://127.0.0.1:7860/"

    monkeypatch.setattr(inksight.ui.web.app, "build_demo", build_demo)
    monkeypatch.setattr(inksight.ui.web.app, "launch_demo", launch_demo)
    monkeypatch.setattr(inksight.ui.commands.demo, "_warm", lambda pipeline, lab: None)
    for name in ("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "INKSIGHT_AUTH"):
        monkeypatch.delenv(name, raising=False)
    return served
