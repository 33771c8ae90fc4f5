#!/usr/bin/env bash
# Browser tests need a Chromium with WebGPU. Use CHROMIUM_PATH or /usr/bin/chromium; on Debian/Ubuntu as root,
# install Debian's chromium when it is missing (Playwright's own browser download is not reachable everywhere).
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "No Chromium found: install it (e.g. 'sudo apt-get install chromium') or set CHROMIUM_PATH to a Chromium/Chrome binary." >&2
exit 1
