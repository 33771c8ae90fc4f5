// Small helpers over node:util parseArgs output.
export type Flags = Record<string, string | boolean | undefined>;

export function num(flags: Flags, name: string, fallback?: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${String(v)}`);
  return n;
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`--${name} needs a value`);
  return v;
}

export function required(flags: Flags, name: string): string {
  const v = str(flags, name);
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}
