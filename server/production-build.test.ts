// `vite build` ships the app only: no test pages (harness.html), one WebAssembly file (onnxruntime-web's plain build,
// for the text classifier scorer), no CDN address, a small total besides it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): { rel: string; size: number }[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const abs = path.join(e.parentPath, e.name);
      return { rel: path.relative(dir, abs), size: fs.statSync(abs).size };
    });
}

describe('production build', () => {
  it('has index.html and its assets, no harness, and only the plain onnxruntime-web wasm', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-dist-'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const files = filesUnder(out);
    const names = files.map((f) => f.rel);
    expect(names).toContain('index.html');
    expect(names.filter((n) => n.endsWith('.html'))).toEqual(['index.html']);
    const wasm = names.filter((n) => /\.wasm$|ort-wasm/.test(n));
    expect(wasm).toHaveLength(1);
    expect(wasm[0]).toMatch(/^assets\/ort-wasm-simd-threaded-[^.]+\.wasm$/);
    for (const f of files.filter((x) => x.rel.endsWith('.js'))) {
      // The runtime comes from the app's origin: only transformers' own CDN fallback (overridden by the classifier
      // scorer before any session is made) names a CDN.
      if (fs.readFileSync(path.join(out, f.rel), 'utf8').includes('cdn.jsdelivr.net')) expect(f.rel).toMatch(/^assets\/transformers/);
    }
    const total = files.filter((f) => !f.rel.endsWith('.wasm')).reduce((s, f) => s + f.size, 0);
    expect(total).toBeLessThan(4 * 2 ** 20);
    // The app's script and its engine worker are there.
    expect(names.some((n) => /^assets\/main-.*\.js$/.test(n))).toBe(true);
    expect(names.some((n) => /^assets\/engine\.worker-.*\.js$/.test(n))).toBe(true);
  });
});
