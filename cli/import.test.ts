// `steerscope import` turns llama.cpp control vectors and PyTorch maps into intervention folders; bad files fail
// with the reader's message.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufType, writeGguf } from '../src/model/formats/gguf-io.ts';
import { writeSafetensors } from '../src/model/formats/safetensors.ts';
import { decodeIntervention } from '../src/steering/intervention-file.ts';
import { readInterventionFolder } from './intervention-folder.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown> };
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-import-'));
const cvKv = [{ key: 'general.architecture', type: GgufType.STRING, value: 'controlvector' }];

describe('CLI import', () => {
  it('a control vector becomes {k}.resid shifts', () => {
    const file = path.join(dir, 'cv.gguf');
    fs.writeFileSync(file, writeGguf(cvKv, [{ name: 'direction.2', dims: [3], data: Float32Array.of(0.5, -1, 2) }]));
    const out = path.join(dir, 'cv-iv');
    const r = cli(['import', '--file', file, '--out', out, '--model-id', 'stories260K']);
    expect(r.code, JSON.stringify(r.json)).toBe(0);
    expect(r.json).toMatchObject({ kind: 'control-vector', hooks: ['2.resid'], hiddenSize: 3, modelId: 'stories260K' });
    const enc = readInterventionFolder(out);
    const iv = decodeIntervention(enc.manifest, Buffer.from(enc.tensorsBase64, 'base64'));
    expect(Array.from(iv.hooks.get('2.resid')!.b)).toEqual([0.5, -1, 2]);
    // --intervention takes the file itself as well.
    const direct = readInterventionFolder(file);
    expect(decodeIntervention(direct.manifest, Buffer.from(direct.tensorsBase64, 'base64')).hooks.has('2.resid')).toBe(true);
  });

  it('a PyTorch map becomes hooks by module name', () => {
    const file = path.join(dir, 'maps.safetensors');
    const row = (name: string, v: number[]) => ({ name, dtype: 'F32' as const, shape: [1, v.length], data: Float32Array.from(v) });
    fs.writeFileSync(file, writeSafetensors([row('model.layers.1.mlp.down_proj.w1', [1, 2]), row('model.layers.1.mlp.down_proj.b1', [0, 1])]));
    const r = cli(['import', '--file', file, '--out', path.join(dir, 'torch-iv')]);
    expect(r.code, JSON.stringify(r.json)).toBe(0);
    expect(r.json).toMatchObject({ kind: 'torch', hooks: ['1.mlp'] });
  });

  it('a 3e38 direction and a colliding direction.01 are refused', () => {
    const big = path.join(dir, 'big.gguf');
    fs.writeFileSync(big, writeGguf(cvKv, [{ name: 'direction.1', dims: [2], data: Float32Array.of(3e38, 0) }]));
    const r = cli(['import', '--file', big, '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatch(/big\.gguf: tensor direction\.1 holds 3\.\d+e\+38 at index 0, beyond ±1000000/);
    const clash = path.join(dir, 'clash.gguf');
    fs.writeFileSync(clash, writeGguf(cvKv, [{ name: 'direction.1', dims: [2], data: Float32Array.of(1, 0) }, { name: 'direction.01', dims: [2], data: Float32Array.of(0, 1) }]));
    expect(cli(['import', '--file', clash, '--out', path.join(dir, 'y')]).json.error).toMatch(/direction\.01 writes its layer 1 with leading zeros/);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
