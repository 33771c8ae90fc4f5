// The bench's --sections flag: which measurements one run makes.
export const BENCH_SECTIONS = ['decode', 'training', 'wllama', 'engine-gguf'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** The sections a --sections value asks for (default: decode and training); the GGUF sections need --gguf. */
export function parseSections(value: string | undefined, gguf: string | undefined): Set<BenchSection> {
  const names = (value ?? 'decode,training').split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (names.length === 0) throw new Error(`--sections takes ${BENCH_SECTIONS.join(', ')} (comma-separated), got nothing`);
  const out = new Set<BenchSection>();
  for (const x of names) {
    if (!(BENCH_SECTIONS as readonly string[]).includes(x)) throw new Error(`--sections takes ${BENCH_SECTIONS.join(', ')}, got "${x}"`);
    out.add(x as BenchSection);
  }
  for (const s of ['wllama', 'engine-gguf'] as const) if (out.has(s) && !gguf) throw new Error(`--sections ${s} needs --gguf <file.gguf>`);
  return out;
}
