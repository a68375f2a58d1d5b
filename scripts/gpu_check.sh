#!/usr/bin/env bash
# The GPU checks of TrOCR's --device/--dtype work, in one run (about 5 minutes on an H200):
# the CUDA tests of tests/ocr/test_trocr_devices.py, then benchmarks/bench_trocr.py --device cuda
# in bf16 and fp32 (plain generate against TrocrRecognizer.read, small and base, batch 256).
# Offline; installs nothing. Uses the python on PATH (or $PYTHON), whether or not Inksight is
# installed there. Results (JSON, logs) go to "$OUT" when set, else ./gpu-check-results.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
RESULTS=${OUT:-$PWD/gpu-check-results}
mkdir -p "$RESULTS"
status=0

# Inksight not installed: a throwaway folder that maps the top-level folders to inksight.*.
if ! "$PYTHON" -c "import inksight.ocr" 2>/dev/null; then
    shim=$(mktemp -d)
    mkdir "$shim/inksight"
    for entry in inksight/*; do ln -s "$PWD/$entry" "$shim/inksight/"; done
    for folder in ocr nlp pipelines ui; do ln -s "$PWD/$folder" "$shim/inksight/$folder"; done
    export PYTHONPATH="$shim${PYTHONPATH:+:$PYTHONPATH}"
fi
"$PYTHON" - <<'PY' 2>&1 | tee "$RESULTS/versions.txt"
import torch, transformers
print("torch", torch.__version__, "transformers", transformers.__version__)
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
PY

if "$PYTHON" -c "import pytest" 2>/dev/null; then
    # No conftest, no project addopts: the box may lack pandas and pytest-timeout.
    timeout 180 "$PYTHON" -m pytest tests/ocr/test_trocr_devices.py -k cuda -q -rA \
        --noconftest -o addopts="" -p no:cacheprovider 2>&1 | tee "$RESULTS/pytest_cuda.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
    echo "pytest is not installed: CUDA tests skipped" | tee "$RESULTS/pytest_cuda.txt"
fi

for dtype in bf16 fp32; do
    timeout 150 "$PYTHON" benchmarks/bench_trocr.py --device cuda --dtype "$dtype" \
        --models small,base --batch 256 --tokens 40 --repeats 3 \
        --out "$RESULTS/trocr_cuda_$dtype.json" 2>&1 | tee "$RESULTS/bench_cuda_$dtype.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
echo "gpu_check: $([ $status -eq 0 ] && echo passed || echo FAILED); results in $RESULTS"
exit $status
