// The CPU dequantizer against the gguf Python package's (tools/gguf-dequantize.py) on random blocks with extreme
// scales, and the GPU decode's CPU twin (kernels/weights/decode-cpu.ts) on the GPU layout against the dequantizer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dequantize } from './dequantize.ts';
import { makeRng } from './seeded-random.ts';
import { rowBytes, WEIGHT_FORMATS } from './weight-format.ts';
import { ALL_FORMATS, EDGE_F16, randomBlocks } from '../testing/quant-blocks.ts';
import { REPO_ROOT } from '../testing/node-paths.ts';
import { gpuLayout } from '../kernels/weights-access.ts';
import { decodeGpuMatrix } from '../kernels/weights/decode-cpu.ts';

const python = execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ensure-python-refs.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
const dir = mkdtempSync(path.join(tmpdir(), 'dequant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reference(format: string, bytes: Uint8Array): Float32Array {
  const src = path.join(dir, `${format}.bin`);
  const dst = path.join(dir, `${format}.f32`);
  writeFileSync(src, bytes);
  execFileSync(python, [path.join(REPO_ROOT, 'tools/gguf-dequantize.py'), format, src, dst]);
  const out = readFileSync(dst);
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** Same f32 bits, NaN equal to NaN (−0 and +0 equal). */
function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return i;
  return -1;
}

describe('dequantize against gguf.quants.dequantize', () => {
  for (const format of ALL_FORMATS) {
    for (const edge of [false, true]) {
      it(`${format}${edge ? ', extreme scales' : ''}`, () => {
        const { blockWeights } = WEIGHT_FORMATS[format];
        const blocks = blockWeights === 1 ? 4096 : blockWeights === 32 ? 256 : 48;
        const bytes = randomBlocks(format, blocks, makeRng(blocks + format.length * 7 + (edge ? 1 : 0)), edge);
        const ours = dequantize(bytes, format);
        const want = reference(format, bytes);
        const bad = firstMismatch(ours, want);
        expect(bad, bad >= 0 ? `weight ${bad}: ours ${ours[bad]}, gguf ${want[bad]}` : '').toBe(-1);
        expect(ours.some((v) => v !== 0)).toBe(true);
      });
    }
  }

  it('the edge blocks reach every nibble, the largest 6-bit scales and every edge f16 scale', () => {
    const bytes = randomBlocks('Q4_K', 48, makeRng(5), true);
    const nibbles = new Set<number>();
    for (const b of bytes) nibbles.add(b & 15).add(b >> 4);
    expect(nibbles.size).toBe(16);
    // Block 1 is all ones but its scales: every sub-block has sc = m = 63 and q = 15.
    expect(bytes.subarray(144 + 4, 288).every((b) => b === 0xff)).toBe(true);
    const scales = new Set<number>();
    for (let b = 0; b < 48; b++) scales.add(bytes[b * 144] | (bytes[b * 144 + 1] << 8)).add(bytes[b * 144 + 2] | (bytes[b * 144 + 3] << 8));
    expect(EDGE_F16.filter((s) => !scales.has(s))).toEqual([]);
  });

  it('rejects a partial block', () => {
    expect(() => dequantize(new Uint8Array(33), 'Q8_0')).toThrow(/whole number of Q8_0 blocks/);
  });
});

describe('GPU layout decode (CPU twin) equals the dequantizer', () => {
  for (const format of ALL_FORMATS) {
    // 3 rows of an odd number of blocks (Q4_0 / Q8_0 / Q6_K rows then need padding to whole words), and 5 rows of 2.
    for (const blocksPerRow of [3, 2]) {
      it(`${format}, ${blocksPerRow} blocks a row`, () => {
        const { blockWeights } = WEIGHT_FORMATS[format];
        const cols = blockWeights === 1 ? 38 * blocksPerRow : blockWeights * blocksPerRow;
        const rows = blocksPerRow === 3 ? 3 : 5;
        const bytes = randomBlocks(format, (rows * cols) / blockWeights, makeRng(cols + rows), true);
        expect(bytes.byteLength).toBe(rows * rowBytes(format, cols));
        const got = decodeGpuMatrix(format, gpuLayout(bytes, format, rows, cols), rows, cols);
        const want = dequantize(bytes, format);
        const bad = firstMismatch(got, want);
        expect(bad, bad >= 0 ? `weight ${bad}: twin ${got[bad]}, dequantize ${want[bad]}` : '').toBe(-1);
      });
    }
  }
});
