// Small helpers over node:util parseArgs output.
// Flags that may be repeated (main.ts: MULTIPLE_FLAGS) come as string lists; a command wanting one value reads it with str.
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** One value of a flag that may be repeated: the only one given, else an error. */
function single(flags: Flags, name: string): string | boolean | undefined {
  const v = flags[name];
  if (!Array.isArray(v)) return v;
  if (v.length > 1) throw new Error(`--${name} is given ${v.length} times; this command takes one`);
  return v[0];
}

/** Every value of a repeatable flag, in the order given (empty when absent). */
export function list(flags: Flags, name: string): string[] {
  const v = flags[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') throw new Error(`--${name} needs a value`);
  return [v];
}

export function num(flags: Flags, name: string, fallback?: number): number | undefined {
  const v = single(flags, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${String(v)}`);
  return n;
}

export function str(flags: Flags, name: string): string | undefined {
  const v = single(flags, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`--${name} needs a value`);
  return v;
}

export function required(flags: Flags, name: string): string {
  const v = str(flags, name);
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}
