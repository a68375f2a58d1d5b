"""Two processes that find no default model train it once; the second waits for the first's."""

from __future__ import annotations

import threading
import time

from inksight.pipelines.train import default_model, fit


def test_two_callers_at_once_train_the_default_model_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INKSIGHT_HOME", str(tmp_path))
    monkeypatch.delenv("INKSIGHT_MODEL", raising=False)
    started, trained = threading.Event(), []

    def slow_training(config):
        trained.append(config.out)
        started.set()
        time.sleep(0.5)  # the second caller arrives while the model is half written
        config.out.mkdir(parents=True)
        (config.out / "model.safetensors").write_bytes(b"")
        return {"test": {"accuracy": 0.9}}

    monkeypatch.setattr(fit, "train_main", slow_training)
    first = threading.Thread(target=default_model.ensure_default_model)
    first.start()
    assert started.wait(10)
    folder = default_model.ensure_default_model()  # waits, then finds the first one's model
    first.join()

    assert trained == [folder] and (folder / "model.safetensors").is_file()
    said = capsys.readouterr().err
    assert said.count("training one on the IMDB reviews") == 1
    assert "Waiting: another Inksight process is training the default model" in said
