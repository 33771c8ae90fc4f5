// The fuzz harness sorts outcomes as documented: a test that could not fail would hide reader bugs.
import { describe, expect, it } from 'vitest';
import { runCase, uncleanReason } from './harness.ts';

describe('fuzz harness', () => {
  it('a sentence-like Error of a reader is clean; internal errors, empty and "undefined" messages are not', () => {
    class SafetensorsError extends Error {
      override name = 'SafetensorsError';
    }
    expect(uncleanReason(new SafetensorsError('x.safetensors: header is not valid JSON'))).toBeNull();
    expect(uncleanReason(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatch(/^TypeError/);
    expect(uncleanReason(new RangeError('Offset is outside the bounds of the DataView'))).toMatch(/^RangeError/);
    expect(uncleanReason(new Error('bad'))).toMatch(/too short/);
    expect(uncleanReason(new Error('x.json: dtype undefined is not supported'))).toMatch(/names no problem/);
    expect(uncleanReason('a string')).toMatch(/non-Error/);
  });

  it('an allocation far beyond the input size is refused and counted as other; a proportionate one is allowed', async () => {
    const big = await runCase(1000, () => new Float32Array(1e8));
    expect(big.outcome).toBe('other');
    expect(big.message).toMatch(/AllocationRefused: asked for a Float32Array of 400000000 bytes/);
    expect((await runCase(1000, () => new ArrayBuffer(2 ** 30))).outcome).toBe('other');
    expect((await runCase(1000, () => new Uint8Array(4000))).outcome).toBe('accepted');
    // The constructors are restored after the case.
    expect(new Uint8Array(2 ** 22).byteLength).toBe(2 ** 22);
    expect(new Uint8Array(4) instanceof Uint8Array).toBe(true);
  });

  it('async rejections are sorted too', async () => {
    expect((await runCase(0, async () => Promise.reject(new Error('the archive is not a zip archive')))).outcome).toBe('clean');
    expect((await runCase(0, async () => Promise.reject(new TypeError('x is not a function')))).outcome).toBe('other');
  });
});
