"""The Ray backend of `inksight batch`: a local Ray with 2 CPUs gives the local engine's records."""

from __future__ import annotations

import shutil

import pytest

from inksight.ocr.synth import EXAMPLE_REVIEWS
from inksight.pipelines.analyze import PipelineConfig
from inksight.pipelines.batch.outputs import read_records
from inksight.pipelines.batch.run import BatchConfig, run_batch

pytest.importorskip("ray")


def without_timing(records: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k != "seconds"} for r in records), key=str)


@pytest.mark.ray
@pytest.mark.real_assets
def test_ray_gives_the_local_records_and_resumes_exactly_once(
    tmp_path, tiny_model_dir, monkeypatch, capfd
):
    from inksight.ocr.fonts import find_fonts, select_fonts
    from inksight.ocr.synth import render_text
    from inksight.pipelines.assets import font_dirs

    fonts = select_fonts(find_fonts(font_dirs()), ["caveat"])
    if not fonts:
        pytest.skip("handwriting fonts are not installed: run scripts/install_fonts.sh")
    name, font = next(iter(fonts.items()))
    folder = tmp_path / "scans"
    folder.mkdir()
    for index in range(3):
        text = EXAMPLE_REVIEWS[index * 4][0]
        render_text(text, name, font, kind="line", seed=index).image.save(folder / f"{index}.png")
    (folder / "broken.jpg").write_text("not a photo")
    config = PipelineConfig(ocr="rapidocr", model=tiny_model_dir)

    local = tmp_path / "local.jsonl"
    run_batch(BatchConfig(folder, local, progress=False), config)
    # Resume a Ray run from an output that already holds the first two files.
    on_ray = tmp_path / "ray.jsonl"
    on_ray.write_text("".join(local.read_text().splitlines(keepends=True)[:2]))
    shutil.copy(tmp_path / "local.jsonl.batch.json", tmp_path / "ray.jsonl.batch.json")

    # Ray's head asks cloud metadata addresses (169.254.169.254) which cloud it runs on, unless
    # ~/ray_bootstrap_config.yaml describes the cluster: give its processes a home that does, so
    # the test never leaves this machine.
    home = tmp_path / "home"
    home.mkdir()
    (home / "ray_bootstrap_config.yaml").write_text("{}\n")
    monkeypatch.setenv("HOME", str(home))
    capfd.readouterr()
    summary = run_batch(
        BatchConfig(folder, on_ray, workers=2, backend="ray", progress=False), config
    )
    said = capfd.readouterr().err
    # Ray's notices about its own choices (its bars off, its token authentication on) are not
    # the user's business and would scroll between our lines.
    assert "Progress bars disabled" not in said and "Token authentication" not in said

    # 0.png and 1.png were done already; Ray did 2.png and broken.jpg (an error record).
    assert (summary.found, summary.skipped, summary.done, summary.failed) == (4, 2, 2, 1)
    records = read_records(on_ray)
    assert len({r["path"] for r in records}) == len(records) == 4
    assert without_timing(records) == without_timing(read_records(local))
