// ensure-chromium.sh with a fake apt-get on PATH: it waits while another process holds the package lock, and
// gives up with a clear message after APT_LOCK_WAIT seconds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, 'ensure-chromium.sh');

/** A bin folder with `id` (root) and an `apt-get` that reports a held lock for its first `lockedCalls` calls. */
function fakeApt(lockedCalls: number): { bin: string; log: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-chromium-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls');
  fs.writeFileSync(path.join(bin, 'id'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(bin, 'apt-get'),
    `#!/bin/sh
echo "$* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "${log}"
n=$(wc -l < "${log}")
if [ "$n" -le ${lockedCalls} ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
  echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2
  exit 100
fi
exit 0
`,
    { mode: 0o755 },
  );
  return { bin, log };
}

function runScript(bin: string, wait: number) {
  return spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      ENSURE_CHROMIUM_SYSTEM_PATH: '/nonexistent/chromium',
      APT_LOCK_WAIT: String(wait),
      APT_LOCK_POLL: '0.1',
    },
  });
}

describe('ensure-chromium.sh', () => {
  it('waits while another apt process holds the lock, then installs', () => {
    const { bin, log } = fakeApt(3);
    const r = runScript(bin, 20);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/holds the package lock; waiting/);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    // Three refused tries of `update`, then `update` and `install` go through.
    expect(calls).toHaveLength(5);
    expect(calls.slice(0, 4).every((c) => / update /.test(` ${c}`))).toBe(true);
    expect(calls[4]).toMatch(/install -y -qq chromium DEBIAN_FRONTEND=noninteractive/);
  });

  it('gives up after the bounded wait with a clear message', () => {
    const { bin } = fakeApt(1e9);
    const r = runScript(bin, 1);
    expect(r.status).toBe(75);
    expect(r.stderr).toMatch(/Gave up after \d+s waiting for the package lock/);
    expect(r.stderr).toMatch(/held by process 4242/);
  });

  it('passes other apt failures through at once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-chromium-'));
    fs.writeFileSync(path.join(dir, 'id'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'apt-get'), '#!/bin/sh\necho "E: Unable to locate package chromium" >&2\nexit 100\n', { mode: 0o755 });
    const r = runScript(dir, 20);
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/Unable to locate package/);
    expect(r.stderr).not.toMatch(/waiting/);
  });
});
