// The CLI refuses an over-sized dataset with the limit in the message, before any browser starts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

describe('CLI dataset cap', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-cap-'));
  const big = path.join(dir, 'big.json');
  fs.writeFileSync(big, JSON.stringify({ source: Array.from({ length: 20_000 }, (_, i) => `sad ${i}`), target: Array.from({ length: 20_000 }, (_, i) => `happy ${i}`) }));

  it('fit on 20,000 pairs fails at once naming the limit', () => {
    const r = cli(['fit', '--model', dir, '--dataset', big, '--method', 'mean', '--out', path.join(dir, 'iv')]);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatch(/^big\.json: 2 problems:\n- the source set has 20,000 prompts; the limit is 5,000 per set/);
    expect(r.stderr).not.toMatch(/starting the browser/);
  });

  it('eval too', () => {
    const r = cli(['eval', '--model', dir, '--dataset', big, '--intervention', dir]);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatch(/the target set has 20,000 prompts; the limit is 5,000 per set/);
  });
});
