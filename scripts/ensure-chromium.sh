#!/usr/bin/env bash
# Browser tests need a Chromium with WebGPU. Use CHROMIUM_PATH or /usr/bin/chromium; on Debian/Ubuntu as root,
# install Debian's chromium when it is missing (Playwright's own browser download is not reachable everywhere).
# When another apt/dpkg process holds the package lock (unattended-upgrades, a parallel install), wait for it, up to
# APT_LOCK_WAIT seconds (default 600), saying so, instead of failing at once.
set -euo pipefail
SYSTEM_CHROMIUM="${ENSURE_CHROMIUM_SYSTEM_PATH:-/usr/bin/chromium}"
LOCK_WAIT="${APT_LOCK_WAIT:-600}"
POLL="${APT_LOCK_POLL:-5}"

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if [ -x "$SYSTEM_CHROMIUM" ]; then exit 0; fi

# Runs an apt-get command; while it fails because another process holds the lock, waits and tries again until
# LOCK_WAIT seconds have passed. Other failures end at once with apt's own message.
apt_waiting_for_lock() {
  local start=$SECONDS err rc announced=0
  err="$(mktemp)"
  while true; do
    rc=0
    # DPkg::Lock::Timeout makes apt itself wait for the dpkg frontend lock; the loop covers the other locks
    # (lists, archives) and older apt versions that ignore the option.
    apt-get -o DPkg::Lock::Timeout="${POLL%.*}" "$@" 2>"$err" || rc=$?
    if [ "$rc" = 0 ]; then rm -f "$err"; return 0; fi
    if ! grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' "$err"; then
      cat "$err" >&2; rm -f "$err"; return "$rc"
    fi
    local waited=$((SECONDS - start))
    if [ "$waited" -ge "$LOCK_WAIT" ]; then
      echo "Gave up after ${waited}s waiting for the package lock, still held by another apt/dpkg process:" >&2
      grep -iE 'lock' "$err" | head -3 >&2
      echo "Let that process finish (or stop it), then run this again; APT_LOCK_WAIT=<seconds> waits longer." >&2
      rm -f "$err"; return 75
    fi
    if [ "$announced" = 0 ]; then
      echo "Another apt/dpkg process holds the package lock; waiting for it (up to ${LOCK_WAIT}s):" >&2
      grep -iE 'lock' "$err" | head -1 >&2
      announced=1
    fi
    sleep "$POLL"
  done
}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…" >&2
  apt_waiting_for_lock update -qq
  DEBIAN_FRONTEND=noninteractive apt_waiting_for_lock install -y -qq chromium >/dev/null
  exit 0
fi
echo "No Chromium found: install it (e.g. 'sudo apt-get install chromium') or set CHROMIUM_PATH to a Chromium/Chrome binary." >&2
exit 1
