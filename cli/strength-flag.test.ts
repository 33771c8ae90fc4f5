// --strength and --lambdas are bounded (checkStrength) before the browser starts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
};

describe('CLI strength bounds', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-strength-'));
  it('--strength 1e30 is refused with a clear error', () => {
    const r = cli(['generate', '--model', dir, '--prompt', 'x', '--intervention', dir, '--strength', '1e30']);
    expect(r.code).toBe(1);
    expect(r.json.error).toBe('--strength is 1e+30; it must lie within ±1000 (λ = 1 is the fitted map)');
    expect(r.stderr).not.toMatch(/starting the browser/);
  });
  it('repeated --strength must pair with the repeated --intervention (checked before the browser starts)', () => {
    const r = cli(['generate', '--model', dir, '--prompt', 'x', '--intervention', dir, '--strength', '1', '--intervention', dir, '--strength', '2', '--strength', '3']);
    expect(r.code).toBe(1);
    expect(r.json.error).toBe('--strength is given 3 times for 2 interventions; give one for all, or one per --intervention (paired in order)');
    expect(r.stderr).not.toMatch(/starting the browser/);
  });
  it('eval: --strength is for the held interventions; one for the swept one alone is refused before the browser starts', () => {
    const r = cli(['eval', '--model', dir, '--intervention', dir, '--strength', '1', '--dataset', dir]);
    expect(r.code).toBe(1);
    expect(r.json.error).toBe('--strength sets the λ of held interventions (each --intervention after the first); the swept one takes its λ values from --lambdas');
    expect(r.stderr).not.toMatch(/starting the browser/);
  });
});
