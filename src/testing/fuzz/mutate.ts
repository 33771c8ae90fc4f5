/**
 * Seeded mutations of valid files for the readers' fuzz tests: byte-level (truncations, random bytes, lying u64
 * lengths and counts such as 2^63 and 10^9, NaN/Inf floats) and JSON-level (a random value replaced by a wrong type,
 * an absurd number, or a broken text). Same seed → same cases.
 */
import { makeRng, type Rng } from '../../core/seeded-random.ts';

export interface Fuzzer {
  rng: Rng;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function makeFuzzer(seed: number): Fuzzer {
  const rng = makeRng(seed);
  const int = (n: number) => Math.floor(rng.uniform() * n);
  return { rng, int, pick: (xs) => xs[int(xs.length)], chance: (p) => rng.uniform() < p };
}

/** Lying lengths and counts: past the end, 2^63, 10^9, 2^32 ± 1, 2^53 + 1, all ones. */
export function absurdU64(f: Fuzzer, fileSize: number): bigint {
  return f.pick([2n ** 63n, 10n ** 9n, 2n ** 32n - 1n, 2n ** 32n + 1n, 2n ** 53n + 1n, 2n ** 64n - 1n, BigInt(fileSize), BigInt(fileSize + 1 + f.int(64)), 0n, 1n]);
}

export function writeU64(bytes: Uint8Array, at: number, v: bigint): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(at, v, true);
}

/** A copy of `bytes` with one byte-level mutation; `hot` is the range most mutations aim at (a header). */
export function mutateBytes(f: Fuzzer, bytes: Uint8Array, hot: { start: number; end: number } = { start: 0, end: bytes.byteLength }): { bytes: Uint8Array; what: string } {
  const n = bytes.byteLength;
  const inHot = () => hot.start + f.int(Math.max(1, hot.end - hot.start));
  const kind = f.int(9);
  if (kind === 0) {
    const cut = f.chance(0.5) ? inHot() : f.int(n + 1);
    return { bytes: bytes.slice(0, cut), what: `truncated to ${cut} bytes` };
  }
  const out = bytes.slice();
  if (kind === 1) {
    const k = 1 + f.int(8);
    for (let i = 0; i < k; i++) out[inHot()] = f.int(256);
    return { bytes: out, what: `${k} random bytes in [${hot.start}, ${hot.end})` };
  }
  if (kind === 2) {
    const at = Math.min(inHot(), Math.max(0, n - 1));
    const len = Math.min(1 + f.int(64), n - at);
    for (let i = 0; i < len; i++) out[at + i] = f.int(256);
    return { bytes: out, what: `random span of ${len} at ${at}` };
  }
  if (kind === 3 || kind === 4) {
    // A lying u64 (a length or count) at a random spot of the hot range, 8-byte aligned or not.
    const at = Math.min(kind === 3 ? inHot() & ~7 : inHot(), Math.max(0, n - 8));
    if (n < 8) return { bytes: out, what: 'unchanged (too short for a u64)' };
    const v = absurdU64(f, n);
    writeU64(out, at, v);
    return { bytes: out, what: `u64 ${v} at ${at}` };
  }
  if (kind === 5) {
    const at = Math.min(inHot(), Math.max(0, n - 4));
    if (n < 4) return { bytes: out, what: 'unchanged' };
    new DataView(out.buffer).setFloat32(at, f.pick([NaN, Infinity, -Infinity, 3.4e38]), true);
    return { bytes: out, what: `non-finite f32 at ${at}` };
  }
  if (kind === 6) {
    const at = inHot();
    const junk = new Uint8Array(1 + f.int(32)).map(() => f.int(256));
    const grown = new Uint8Array(n + junk.length);
    grown.set(bytes.subarray(0, at));
    grown.set(junk, at);
    grown.set(bytes.subarray(at), at + junk.length);
    return { bytes: grown, what: `${junk.length} bytes inserted at ${at}` };
  }
  if (kind === 7) {
    const at = inHot();
    const len = Math.min(1 + f.int(32), n - at);
    const shrunk = new Uint8Array(n - len);
    shrunk.set(bytes.subarray(0, at));
    shrunk.set(bytes.subarray(at + len), at);
    return { bytes: shrunk, what: `${len} bytes deleted at ${at}` };
  }
  const zeros = f.chance(0.3) ? 0 : f.int(16);
  return { bytes: new Uint8Array(zeros).map(() => (f.chance(0.5) ? 0 : f.int(256))), what: `replaced by ${zeros} bytes` };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values that are wrong for almost any field: other types, absurd and non-integer numbers. */
function absurdValue(f: Fuzzer): Json {
  return f.pick<() => Json>([
    () => null,
    () => -1,
    () => 0,
    () => 1e9,
    () => 2 ** 63,
    () => 1e308 * 10, // JSON.stringify writes null for Infinity: covered by null
    () => 0.5,
    () => -0,
    () => '',
    () => 'x'.repeat(1 + f.int(40)),
    () => true,
    () => [],
    () => {
      return {};
    },
    () => [1e9, 1e9],
    () => [2 ** 53, 0],
    () => ['F32'],
    () => 'I64',
    () => 'F8_E4M3',
    () => [-1],
  ])();
}

function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = [], limit = 4000): (string | number)[][] {
  if (out.length >= limit) return out;
  out.push(at);
  if (Array.isArray(v)) {
    // Long arrays (vocabularies, merges): a sample of their items.
    const step = Math.max(1, Math.floor(v.length / 20));
    for (let i = 0; i < v.length; i += step) paths(v[i], [...at, i], out, limit);
  } else if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    const step = Math.max(1, Math.floor(keys.length / 40));
    for (let i = 0; i < keys.length; i += step) paths(v[keys[i]], [...at, keys[i]], out, limit);
  }
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  let parent = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = value;
  return root;
}

/** A JSON text with one mutation: a value replaced, a key deleted or duplicated in meaning, or the text broken. */
export function mutateJson(f: Fuzzer, text: string): { text: string; what: string } {
  const kind = f.int(10);
  if (kind === 0) {
    const cut = f.int(text.length);
    return { text: text.slice(0, cut), what: `text cut at ${cut}` };
  }
  if (kind === 1) {
    const at = f.int(text.length + 1);
    const junk = f.pick(['{', '}', '[', ']', ',', ':', '"', '\\', 'NaN', '1e999', '\u0000', '\uFFFF', '\uD800']);
    return { text: text.slice(0, at) + junk + text.slice(at), what: `${JSON.stringify(junk)} inserted at ${at}` };
  }
  const root = JSON.parse(text) as Json;
  const all = paths(root);
  const path = f.pick(all);
  const where = `/${path.join('/')}`;
  if (kind === 2 && path.length > 0) return { text: JSON.stringify(setAt(root, path, undefined)), what: `${where} deleted` };
  if (kind === 3) {
    // A number nudged to a neighbour, a negative or a huge value (off-by-one offsets, absurd shapes).
    const nums = all.filter((p) => typeof p.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root) === 'number');
    if (nums.length > 0) {
      const p = f.pick(nums);
      const old = p.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root) as number;
      const v = f.pick([old + 1, old - 1, -old, old * 2, old * 1e9, old + 0.5]);
      return { text: JSON.stringify(setAt(root, p, v)), what: `/${p.join('/')} ${old} → ${v}` };
    }
  }
  const value = absurdValue(f);
  return { text: JSON.stringify(setAt(root, path, value)), what: `${where} = ${JSON.stringify(value)?.slice(0, 40)}` };
}
