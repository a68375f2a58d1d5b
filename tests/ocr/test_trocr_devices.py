"""TrOCR on a chosen device and dtype: --device/--dtype reach the model, bf16 reads, a GPU path
that never waits for the host, and the transformers versions it was tested with.

Tests named ``test_cuda_*`` need a CUDA GPU (``scripts/gpu_check.sh`` runs them); the rest run on
the CPU and prove the options arrive where they should.
"""

from __future__ import annotations

import copy
import logging
from functools import partial

import numpy as np
import pytest

from inksight.ocr import OcrError
from inksight.pipelines.errors import PipelineError

needs_cuda = pytest.mark.skipif("not __import__('torch').cuda.is_available()")


def _crops(count: int, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 255, (30 + 5 * i, 150 + 40 * i, 3), dtype=np.uint8) for i in range(count)
    ]


# --- resolving --device and --dtype ---------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(sharp_tiny_trocr):
    return sharp_tiny_trocr


def test_auto_resolves_to_the_cpu_without_a_gpu_and_dtype_auto_to_float32(monkeypatch):
    import torch

    from inksight.pipelines.devices import lightning_options, resolve_device, resolve_dtype

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_dtype("auto", torch.device("cpu")) == torch.float32
    assert resolve_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    assert lightning_options("auto", "auto") == {
        "accelerator": "cpu",
        "devices": 1,
        "precision": "32-true",
    }


def test_cuda_asked_for_without_a_gpu_is_one_sentence(monkeypatch):
    import torch

    from inksight.pipelines.devices import resolve_device, resolve_dtype

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device in ("cuda", "cuda:1"):
        with pytest.raises(PipelineError, match=f"--device {device} was asked for but no CUDA"):
            resolve_device(device)
    with pytest.raises(PipelineError, match="unknown --device 'gpu'; choose auto, cpu, cuda"):
        resolve_device("gpu")
    with pytest.raises(PipelineError, match="--dtype fp16 needs a GPU"):
        resolve_dtype("fp16", torch.device("cpu"))


def test_device_and_dtype_options_appear_on_the_commands_that_run_models():
    from inksight.pipelines.analyze import PipelineConfig
    from inksight.pipelines.ocr_jobs import EvalConfig, FinetuneConfig
    from inksight.pipelines.train.config import TrainConfig
    from inksight.ui.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(
        ["ocr", "finetune", "--train", "t", "--val", "v", "--out", "o", "--device", "CPU"]
        + ["--dtype", "bf16"]
    )
    assert (args.device, args.dtype) == ("CPU", "bf16")
    with pytest.raises(SystemExit):  # dtype choices are checked by argparse
        parser.parse_args(["train", "--dtype", "int4"])
    for config in (PipelineConfig, FinetuneConfig, TrainConfig, EvalConfig):
        names = {field.name for field in __import__("dataclasses").fields(config)}
        assert {"device", "dtype"} <= names, config
    assert PipelineConfig(device="CUDA:1").device == "cuda:1"
    with pytest.raises(PipelineError, match="unknown --device 'tpu'"):
        TrainConfig(device="tpu")


# --- the options reach the model ------------------------------------------------------------


def test_pipeline_config_device_and_dtype_reach_the_trocr_engine(monkeypatch, tiny):
    import torch

    import inksight.pipelines.ocr_jobs as jobs
    from inksight.pipelines.analyze import Pipeline, PipelineConfig

    seen = {}

    def build_ocr_engine(name, trocr_model, trocr_options, **options):
        seen.update(trocr_options)
        raise RuntimeError("stop here")

    monkeypatch.setattr(jobs, "build_ocr_engine", build_ocr_engine)
    with pytest.raises(RuntimeError, match="stop here"):
        Pipeline.from_config(PipelineConfig(ocr="trocr", device="cpu", dtype="bf16"))
    assert seen["device"] == torch.device("cpu") and seen["dtype"] == torch.bfloat16
    # int8 is a CPU path: auto then means the CPU even where a GPU is.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    placement = jobs.trocr_placement("auto", "auto", cpu_only=True)
    assert placement == {"device": torch.device("cpu"), "dtype": torch.float32}


def test_trocr_build_passes_device_and_dtype_to_the_recognizer(monkeypatch, tiny):
    import torch

    import inksight.ocr.engines.rapidocr as rapidocr
    import inksight.ocr.engines.trocr.recognizer as recognizer

    model, processor = tiny
    monkeypatch.setattr(recognizer, "load_trocr", lambda *a, **k: (copy.deepcopy(model), processor))
    monkeypatch.setattr(rapidocr, "load_models", lambda **k: None)
    monkeypatch.setattr(rapidocr, "RapidDetector", lambda models: object())
    engine = recognizer.build(model="x", device=torch.device("cpu"), dtype=torch.bfloat16)
    assert engine.recognizer.model.dtype == torch.bfloat16
    assert engine.recognizer.device == torch.device("cpu")


def test_bf16_on_the_cpu_runs_the_model_in_bf16_and_reads_as_fp32(tiny):
    import torch

    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    model, processor = tiny
    crops = _crops(5)
    # A random model's near-ties flip under bf16 rounding after a few tokens; 6 are stable here.
    fp32 = TrocrRecognizer(model, processor, max_new_tokens=6).read(crops)
    bf16_model = copy.deepcopy(model)
    reader = TrocrRecognizer(bf16_model, processor, max_new_tokens=6, dtype=torch.bfloat16)
    seen = []
    bf16_model.encoder.register_forward_hook(
        lambda module, args, kwargs, output: seen.append(kwargs["pixel_values"].dtype),
        with_kwargs=True,
    )
    memory = []
    real_memory = reader._decoder.memory
    reader._decoder.memory = lambda hidden: memory.append(real_memory(hidden)) or memory[-1]
    bf16 = reader.read(crops)
    assert set(seen) == {torch.bfloat16}  # the encoder got bf16 pixels
    assert memory[0].dtype == torch.bfloat16  # and the decoder's caches are bf16 too
    assert len({r.text for r in fp32}) > 2  # the crops really read differently
    assert [r.text for r in bf16] == [r.text for r in fp32]
    assert np.allclose(
        [r.mean_probability for r in bf16], [r.mean_probability for r in fp32], atol=0.05
    )


def test_int8_or_onnxruntime_with_bf16_is_one_sentence(tiny):
    import torch

    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    model, processor = tiny
    for options in ({"quantize": True}, {"runtime": "onnxruntime"}):
        with pytest.raises(OcrError, match="int8 and onnxruntime options are for a float32"):
            TrocrRecognizer(model, processor, dtype=torch.bfloat16, **options)
    assert model.dtype == torch.float32  # refused before anything was converted


def test_finetune_config_device_and_dtype_reach_the_lightning_trainer(monkeypatch, tmp_path):
    import inksight.ocr.finetune as finetune
    import inksight.pipelines.ocr_jobs as jobs

    seen = {}

    def finetune_trocr(train, val, model, out, **options):
        seen.update(options)
        return {}

    monkeypatch.setattr(finetune, "finetune_trocr", finetune_trocr)
    monkeypatch.setattr(jobs, "load_truth", lambda folder: [])
    monkeypatch.setattr(jobs, "trocr_model_path", lambda model, allow_download: model)
    config = jobs.FinetuneConfig(train=tmp_path, val=tmp_path, out=tmp_path, dtype="bf16")
    jobs.finetune_main(config)
    assert seen["accelerator"] == "cpu" and seen["precision"] == "bf16-mixed"
    trainer = finetune._trainer(1, ("cpu", 1, "bf16-mixed"), False, finetune.pl.Callback())
    assert type(trainer.precision_plugin).__name__ == "MixedPrecision"


def test_train_config_device_and_dtype_reach_the_trainer(monkeypatch, tmp_path, tiny_reviews_csv):
    import pytorch_lightning as pl

    from inksight.pipelines.train.config import TrainConfig
    from inksight.pipelines.train.fit import train_main

    seen = {}

    def trainer(**options):
        seen.update(options)
        raise RuntimeError("stop here")

    monkeypatch.setattr(pl, "Trainer", trainer)
    config = TrainConfig(
        out=tmp_path / "m", data=tiny_reviews_csv, embed_dim=8, epochs=1, min_freq=1,
        progress=False, device="cpu", dtype="bf16",
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="stop here"):
        train_main(config)
    assert (seen["accelerator"], seen["devices"], seen["precision"]) == ("cpu", 1, "bf16-mixed")


def test_train_on_a_missing_gpu_is_refused_before_the_reviews_are_read(
    monkeypatch, tmp_path, capsys
):
    import torch

    from inksight.ui.cli import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    missing = tmp_path / "not-read-yet.csv"  # were the data read first, this would be the error

    code = main(["train", "--data", str(missing), "--out", str(tmp_path / "m"), "--device", "cuda"])

    assert code == 2
    assert "--device cuda was asked for but no CUDA" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_ray_actors_ask_for_a_gpu_only_for_cuda():
    from inksight.pipelines.analyze import Pipeline, PipelineConfig
    from inksight.pipelines.batch.ray_records import _actors, _device, actor_options

    cpus_only, with_gpus = {"CPU": 8.0}, {"CPU": 8.0, "GPU": 2.0}
    assert actor_options("cpu", with_gpus) == {"num_cpus": 1}
    assert actor_options("auto", cpus_only) == {"num_cpus": 1}
    assert actor_options("auto", with_gpus) == {"num_cpus": 1, "num_gpus": 1}
    assert actor_options("cuda", with_gpus) == {"num_cpus": 1, "num_gpus": 1}
    with pytest.raises(PipelineError, match="--device cuda was asked for but the Ray cluster"):
        actor_options("cuda", cpus_only)
    # One model per GPU: no more actors than GPUs, whatever --workers says.
    assert _actors({"num_cpus": 1, "num_gpus": 1}, with_gpus, workers=6) == 2
    assert _actors({"num_cpus": 1}, with_gpus, workers=None) == 8
    factory = partial(Pipeline.from_config, PipelineConfig(device="cuda"))
    assert _device(factory) == "cuda" and _device(lambda: None) == "cpu"


# --- the GPU path, exercised on the CPU -----------------------------------------------------


def test_the_decoder_loop_without_host_syncs_reads_what_the_cpu_loop_reads(tiny):
    import torch

    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    model, processor = tiny
    reader = TrocrRecognizer(model, processor, max_new_tokens=12)
    with torch.inference_mode():
        hidden = reader.encode(reader.pixel_values(_crops(6)))
    expected = reader._greedy(hidden)
    for every in (1, 5):  # checks "all ended" every step, or past the end
        reader._decoder.sync_every = every
        decoded = reader._greedy(hidden)
        assert [tokens for tokens, _ in decoded] == [tokens for tokens, _ in expected]
        for (_, ours), (_, theirs) in zip(decoded, expected, strict=True):
            assert np.allclose(ours, theirs, atol=1e-5)


def test_pixels_prepared_as_torch_ops_match_the_processors_resize():
    import torch

    from inksight.ocr.engines.trocr.configs import image_processor
    from inksight.ocr.engines.trocr.recognizer import pixels_on_device

    processor = image_processor((32, 128))
    crops = [*_crops(3), _crops(1)[0][:, :, 0]]  # and a grey one
    mean, std = np.full(3, 0.5, np.float32), np.full(3, 0.5, np.float32)
    pixels = pixels_on_device(crops, (32, 128), mean, std, torch.device("cpu"), torch.float32)
    rgb = [np.stack([c] * 3, axis=2) if c.ndim == 2 else c for c in crops]
    expected = processor(rgb, return_tensors="pt").pixel_values
    assert pixels.shape == expected.shape == (4, 3, 32, 128)
    assert (pixels - expected).abs().mean() < 0.01  # PIL rounds to uint8 between steps
    bf16 = pixels_on_device(crops, (32, 128), mean, std, torch.device("cpu"), torch.bfloat16)
    assert bf16.dtype == torch.bfloat16


# --- transformers versions ------------------------------------------------------------------


def test_an_untested_transformers_version_gives_one_sentence_at_load(monkeypatch, caplog, tiny):
    import transformers

    import inksight.ocr.engines.trocr.recognizer as recognizer

    model, processor = tiny
    monkeypatch.setattr(recognizer, "_warned_about_version", False)
    monkeypatch.setattr(transformers, "__version__", "5.99.0")
    with caplog.at_level(logging.WARNING):
        recognizer.TrocrRecognizer(model, processor)
        recognizer.TrocrRecognizer(model, processor)  # once per process
    messages = [r.getMessage() for r in caplog.records if r.name == recognizer.__name__]
    assert len(messages) == 1
    assert messages[0].startswith("transformers 5.99.0 is installed but")
    assert "transformers>=5.12, <5.26" in messages[0] and messages[0].count(". ") == 0


def test_the_tested_range_is_the_one_pyproject_declares():
    import tomllib
    from pathlib import Path

    import transformers

    from inksight.ocr.engines.trocr.recognizer import (
        TESTED_TRANSFORMERS,
        warn_if_untested_transformers,
    )

    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    assert f"transformers{TESTED_TRANSFORMERS}" in dependencies
    assert warn_if_untested_transformers() is None, transformers.__version__


# --- on a GPU (scripts/gpu_check.sh) --------------------------------------------------------


@needs_cuda
@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_cuda_reads_what_the_cpu_reads(tiny, dtype):
    import torch

    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    model, processor = tiny
    crops = _crops(6)
    on_cpu = TrocrRecognizer(copy.deepcopy(model), processor, max_new_tokens=12).read(crops)
    reader = TrocrRecognizer(
        copy.deepcopy(model),
        processor,
        max_new_tokens=12,
        device="cuda",
        dtype=getattr(torch, dtype),
    )
    on_gpu = reader.read(crops)
    assert reader.model.device.type == "cuda" and reader.model.dtype == getattr(torch, dtype)
    # The GPU resizes as the processor does, the CPU with OpenCV: most lines read the same.
    same = sum(a.text == b.text for a, b in zip(on_cpu, on_gpu, strict=True))
    assert same >= len(crops) - 2, ([r.text for r in on_cpu], [r.text for r in on_gpu])


@needs_cuda
def test_cuda_decoder_asks_the_host_only_every_few_steps(tiny):
    import warnings

    import torch

    from inksight.ocr.engines.trocr.recognizer import TrocrRecognizer

    model, processor = tiny
    reader = TrocrRecognizer(
        copy.deepcopy(model), processor, max_new_tokens=16, min_new_tokens=16, device="cuda"
    )
    assert reader._decoder.sync_every == 8
    with torch.inference_mode():
        memory = reader._decoder.memory(reader.encode(reader.pixel_values(_crops(4)).cuda()))
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("warn")  # every host sync warns
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                decoded = reader._decoder(
                    memory=memory, start=reader._start, eos=reader._eos, max_new_tokens=16
                )
        finally:
            torch.cuda.set_sync_debug_mode(0)
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    # Two "all ended?" checks (steps 8 and 16) and the final read-out; not one per step.
    assert len(syncs) <= 4, [str(w.message) for w in syncs]
    assert all(len(tokens) <= 16 for tokens, _ in decoded)


@needs_cuda
def test_cuda_finetune_trains_on_the_gpu(tmp_path):
    from test_ocr_finetune import WORDS, _write_set  # beside this file (pytest puts it on the path)

    from inksight.ocr.engines.trocr.configs import build_trocr
    from inksight.ocr.finetune import finetune_trocr

    data = _write_set(tmp_path / "train", WORDS[:4])
    model, processor = build_trocr("tiny")
    metrics = finetune_trocr(
        data,
        data,
        model,
        tmp_path / "out",
        processor=processor,
        epochs=1,
        batch_size=4,
        max_target_length=8,
        accelerator="gpu",
        devices=[0],
        precision="bf16-mixed",
    )
    assert metrics["device"].startswith("cuda")
