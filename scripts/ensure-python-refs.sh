#!/usr/bin/env bash
# Independent Python references used by the tests (the gguf package's reader and dequantizer, numpy float64
# forwards, onnx to write the tiny test classifier): a venv in .cache/py with pinned versions, made once and reused. Prints the python path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/py
STAMP="$VENV/.steerscope-refs-3"
if [ ! -f "$STAMP" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check 'gguf==0.19.0' 'numpy==2.2.6' 'vadersentiment==3.3.2' 'onnx==1.19.1' >&2
  touch "$STAMP"
fi
echo "$PWD/$VENV/bin/python"
