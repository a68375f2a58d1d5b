#!/usr/bin/env bash
# Install Inksight as a user would, outside the repository, and check what each install gives:
#   1. `pip install 'inksight[app]'` (not editable) in a fresh venv: `inksight --version` works and
#      `inksight demo` serves the web app (HTTP 200).
#   2. `pip install inksight` (the core) in another: Ray, Gradio and onnx are not there, reading
#      and classifying are, and `inksight demo` says in one sentence which extra to add.
# Each venv gets torch==2.13.0 (CPU) first, as `make install` does. Prints the seconds of each
# step and the size of each venv. Downloads from PyPI; takes minutes. The demo uses the usual
# cache ($INKSIGHT_HOME or ~/.cache/inksight): without a default model there it trains one first,
# so DEMO_TIMEOUT must cover that. KEEP=1 keeps the venvs (several GB) in the work folder.
#
# Usage: bash scripts/check_install.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
PORT="${PORT:-7871}"
DEMO_TIMEOUT="${DEMO_TIMEOUT:-600}"  # seconds until the demo must answer
WORK="$(mktemp -d /tmp/inksight-install.XXXXXX)"
SRC="$WORK/src"
DEMO_PID=""

cleanup() {
  if [[ -n "$DEMO_PID" ]] && kill -0 "$DEMO_PID" 2>/dev/null; then
    kill "$DEMO_PID" 2>/dev/null || true
    wait "$DEMO_PID" 2>/dev/null || true
  fi
  if [[ "${KEEP:-0}" != 1 ]]; then
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

say() { echo "check_install: $*"; }
fail() {
  say "FAILED: $*" >&2
  exit 1
}
timed() {  # timed NAME COMMAND...: run it, then say how long it took
  local name="$1" started=$SECONDS
  shift
  "$@"
  say "$name took $((SECONDS - started)) s"
}

# The working tree as it stands (tracked and new files, nothing ignored), so the build writes
# nothing into the repository and no stale build output rides along.
copy_source() {
  mkdir -p "$SRC"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do if [[ -f "$path" ]]; then printf '%s\0' "$path"; fi; done \
    | tar --null -T - -cf -) | tar -C "$SRC" -xf -
}

make_venv() {  # make_venv DIR: a fresh venv with the CPU torch in it
  "$PYTHON" -m venv "$1"
  "$1/bin/pip" install -q --disable-pip-version-check torch==2.13.0
}

serve_demo() {  # serve_demo VENV: start `inksight demo`, wait for HTTP 200, stop it
  local venv="$1" code="" waited=0
  (cd "$WORK" && exec "$venv/bin/inksight" demo --port "$PORT" >"$WORK/demo.log" 2>&1) &
  DEMO_PID=$!
  until [[ "$code" == 200 ]]; do
    if ! kill -0 "$DEMO_PID" 2>/dev/null; then
      tail -n 20 "$WORK/demo.log" >&2
      fail "inksight demo exited before it answered"
    fi
    if ((waited >= DEMO_TIMEOUT)); then
      tail -n 20 "$WORK/demo.log" >&2
      fail "inksight demo did not answer on port $PORT within $DEMO_TIMEOUT s"
    fi
    sleep 2
    waited=$((waited + 2))
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)"
  done
  say "inksight demo answered HTTP 200 after about $waited s"
  kill "$DEMO_PID"
  wait "$DEMO_PID" 2>/dev/null || true
  DEMO_PID=""
}

check_core() {  # check_core VENV: no extras, but reading and classifying work
  local venv="$1" module said
  for module in ray gradio onnx gensim; do
    if "$venv/bin/python" -c "import $module" 2>/dev/null; then
      fail "the core install has $module"
    fi
  done
  (cd "$WORK" && "$venv/bin/python" -c "
import inksight.nlp.classifier, inksight.ocr.engines.rapidocr, inksight.ocr.reader
import inksight.pipelines.analyze, inksight.pipelines.predict, inksight.pipelines.train.fit
import pillow_heif") || fail "the core install cannot import what reading and classifying need"
  "$venv/bin/inksight" predict --help >/dev/null
  if said="$(cd "$WORK" && "$venv/bin/inksight" demo --port "$PORT" 2>&1)"; then
    fail "inksight demo started without the app extra"
  fi
  [[ "$said" == *"pip install 'inksight[app]'"* ]] || fail "inksight demo said: $said"
  say "core: no ray, gradio, onnx or gensim; demo says: ${said#inksight: error: }"
}

say "work folder $WORK"
timed "copying the working tree" copy_source

timed "venv + torch (app)" make_venv "$WORK/app"
timed "pip install '.[app]'" "$WORK/app/bin/pip" install -q --disable-pip-version-check "$SRC[app]"
version="$(cd "$WORK" && "$WORK/app/bin/inksight" --version)"
say "app: $version"
timed "inksight demo up" serve_demo "$WORK/app"

timed "venv + torch (core)" make_venv "$WORK/core"
timed "pip install . (core)" "$WORK/core/bin/pip" install -q --disable-pip-version-check "$SRC"
timed "core checks" check_core "$WORK/core"

say "venv sizes: $(du -sh "$WORK/core" | cut -f1) core, $(du -sh "$WORK/app" | cut -f1) app"
say "passed"
