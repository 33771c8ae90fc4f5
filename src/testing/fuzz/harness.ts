/**
 * Runs fuzz cases against a reader and sorts each outcome: accepted, a clean error (an Error whose message is a
 * sentence naming the problem), or other (a TypeError/RangeError from inside the reader, an empty or 'undefined'
 * message, a non-Error, a hang, or an allocation far beyond what the input's size implies). Allocations are watched
 * by wrapping the typed-array and ArrayBuffer constructors while a case runs: one larger than 4 × the input + 1 MiB
 * is refused (thrown) and counted as 'other', so a lying size never gets to allocate.
 */
export type Outcome = 'accepted' | 'clean' | 'other';

export interface CaseResult {
  outcome: Outcome;
  message: string;
  ms: number;
}

export interface ReaderTally {
  reader: string;
  tried: number;
  accepted: number;
  clean: number;
  other: number;
  maxMs: number;
  /** First few 'other' outcomes: what was mutated, and what came out. */
  others: string[];
  /** A few clean messages, to show what the errors read like. */
  samples: string[];
}

export class AllocationRefused extends Error {
  override name = 'AllocationRefused';
}

const WATCHED = ['ArrayBuffer', 'SharedArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray'] as const;

type Ctor = new (...args: unknown[]) => unknown;

/** Wraps the constructors: `new X(n)` asking for more than `limit` bytes throws AllocationRefused. Returns the undo. */
function watchAllocations(limit: number): () => void {
  const g = globalThis as unknown as Record<string, Ctor | undefined>;
  const saved: [string, Ctor][] = [];
  for (const name of WATCHED) {
    const target = g[name];
    if (!target) continue;
    const per = name.includes('Buffer') ? 1 : (target as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    saved.push([name, target]);
    g[name] = new Proxy(target, {
      construct(t, args, newTarget) {
        const n = args[0];
        if (typeof n === 'number' && n * per > limit) throw new AllocationRefused(`asked for a ${name} of ${n * per} bytes (limit ${limit})`);
        return Reflect.construct(t, args, newTarget === g[name] ? t : newTarget) as object;
      },
    });
  }
  return () => {
    for (const [name, ctor] of saved) g[name] = ctor;
  };
}

const INTERNAL_ERRORS = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'InternalError', 'AllocationRefused'];

/** Why a thrown value is not a clean error, or null when it is one. */
export function uncleanReason(e: unknown): string | null {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (INTERNAL_ERRORS.includes(e.name) || INTERNAL_ERRORS.includes(e.constructor.name)) return `${e.name}: ${e.message}`;
  const m = e.message;
  if (m.trim().length < 12) return `too short a message: ${JSON.stringify(m)}`;
  if (/\bundefined\b|\[object Object\]/.test(m)) return `message names no problem: ${m}`;
  return null;
}

/** Per-case limit on the wall clock (generous: the machine is loaded); the maximum seen is reported. */
export const CASE_LIMIT_MS = 5_000;

export async function runCase(inputBytes: number, run: () => unknown): Promise<CaseResult> {
  const undo = watchAllocations(4 * inputBytes + 2 ** 20);
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HANG: no answer after ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS);
    });
    await Promise.race([Promise.resolve().then(run), hang]);
    return { outcome: 'accepted', message: '', ms: performance.now() - t0 };
  } catch (e) {
    const ms = performance.now() - t0;
    const reason = (e as Error)?.message?.startsWith('HANG:') ? (e as Error).message : uncleanReason(e);
    return reason ? { outcome: 'other', message: reason, ms } : { outcome: 'clean', message: (e as Error).message, ms };
  } finally {
    clearTimeout(timer);
    undo();
  }
}

export function newTally(reader: string): ReaderTally {
  return { reader, tried: 0, accepted: 0, clean: 0, other: 0, maxMs: 0, others: [], samples: [] };
}

export function record(t: ReaderTally, r: CaseResult, what: string): void {
  t.tried++;
  t[r.outcome]++;
  t.maxMs = Math.max(t.maxMs, r.ms);
  if (r.outcome === 'other' && t.others.length < 8) t.others.push(`${what} → ${r.message.split('\n')[0].slice(0, 300)}`);
  if (r.outcome === 'clean' && t.samples.length < 3 && !t.samples.includes(r.message)) t.samples.push(r.message.split('\n')[0].slice(0, 200));
}

export function report(tallies: ReaderTally[]): string {
  const lines = tallies.map((t) => `${t.reader.padEnd(22)} tried ${String(t.tried).padStart(5)} · clean errors ${String(t.clean).padStart(5)} · accepted ${String(t.accepted).padStart(4)} · other ${t.other} · max ${t.maxMs.toFixed(0)} ms`);
  const sum = (k: 'tried' | 'clean' | 'accepted' | 'other') => tallies.reduce((n, t) => n + t[k], 0);
  lines.push(`${'total'.padEnd(22)} tried ${String(sum('tried')).padStart(5)} · clean errors ${String(sum('clean')).padStart(5)} · accepted ${String(sum('accepted')).padStart(4)} · other ${sum('other')} · max ${Math.max(...tallies.map((t) => t.maxMs)).toFixed(0)} ms`);
  for (const t of tallies) {
    for (const o of t.others) lines.push(`  OTHER ${t.reader}: ${o}`);
    for (const s of t.samples) lines.push(`  e.g. ${t.reader}: ${s}`);
  }
  return lines.join('\n');
}
