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

/** Which flags each section reads (the rest of a run's settings are not part of its command line). */
const SECTION_FLAGS: Record<BenchSection, readonly string[]> = {
  decode: ['models', 'prompt-tokens', 'new-tokens', 'peer-new-tokens', 'rounds', 'round-budget'],
  training: ['models', 'train-batch', 'train-tokens', 'train-reps'],
  wllama: ['gguf', 'prompt-tokens', 'new-tokens', 'wllama-variants', 'wllama-rounds'],
  'engine-gguf': ['gguf', 'prompt-tokens', 'new-tokens', 'gguf-rounds'],
};

/** The command line that repeats a run: its sections and every setting they read, in the order of `values`. */
export function benchCommand(sections: ReadonlySet<BenchSection>, values: Record<string, string | number>): string {
  const used = new Set([...sections].flatMap((s) => SECTION_FLAGS[s]));
  const flags = Object.entries(values).filter(([k]) => used.has(k)).map(([k, v]) => ` --${k} ${v}`);
  return `npm run bench -- --sections ${[...sections].join(',')}${flags.join('')}`;
}

/**
 * Prompt and continuation lengths when --prompt-tokens / --new-tokens are not given: 128 each for the decode section
 * (the random checkpoints), 16 and 8 for a run of GGUF sections only, so that the real file on a software adapter
 * (about 1 token/s prefill, 0.3 decode on a loaded 2-core machine) stays within minutes.
 */
export function defaultLengths(sections: ReadonlySet<BenchSection>): { promptTokens: number; newTokens: number } {
  return sections.has('decode') ? { promptTokens: 128, newTokens: 128 } : { promptTokens: 16, newTokens: 8 };
}
