/**
 * A GGUF file's tokenizer as the tokenizer.json / tokenizer_config.json objects `@huggingface/transformers` reads
 * (a pure function of the metadata, so Node tools compute the same ids as the page):
 * - `tokenizer.ggml.model` = `llama`: SentencePiece BPE from `tokens` and `scores` (a merge's rank is its merged
 *   piece's score, as SentencePiece merges the best-scoring pair first), byte-fallback tokens `<0x..>`, `▁` for spaces;
 * - `gpt2`: byte-level BPE from `tokens` and `merges`, pre-tokenized by `tokenizer.ggml.pre` (`smollm`, `llama-bpe`,
 *   `qwen2`, `gpt2`/`default`).
 * Control and user-defined tokens (`token_type` 3, 4) are matched whole; bos / eos / `add_bos_token` and the
 * chat template come along.
 */
import { GgufMeta } from './gguf-model.ts';

/** ggml token types (llama.cpp's llama_token_type). */
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });

/** Pre-tokenizers (and normalizers) by `tokenizer.ggml.pre`, as the models' own tokenizer.json files have them. */
const BPE_PRE: Record<string, { pre: unknown; normalizer: unknown; ignoreMerges: boolean }> = {
  default: { pre: byteLevel(true), normalizer: null, ignoreMerges: false },
  gpt2: { pre: byteLevel(true), normalizer: null, ignoreMerges: false },
  smollm: { pre: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] }, normalizer: null, ignoreMerges: false },
  'llama-bpe': { pre: { type: 'Sequence', pretokenizers: [split(LLAMA3_SPLIT), byteLevel(false)] }, normalizer: null, ignoreMerges: true },
  qwen2: { pre: { type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), byteLevel(false)] }, normalizer: { type: 'NFC' }, ignoreMerges: false },
};

export interface TokenizerObjects {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
}

function stringList(meta: GgufMeta, key: string): string[] {
  const v = meta.array(key);
  if (v === undefined) meta.fail(`metadata "${key}" is missing (the tokenizer needs it)`);
  if (!v!.every((x) => typeof x === 'string')) meta.fail(`metadata "${key}" must be an array of strings`);
  return v as string[];
}

function numberList(meta: GgufMeta, key: string, length: number): number[] | undefined {
  const v = meta.array(key);
  if (v === undefined) return undefined;
  if (v.length !== length || !v.every((x) => typeof x === 'number')) meta.fail(`metadata "${key}" must be ${length} numbers, one per token`);
  return v as number[];
}

function tokenAt(tokens: string[], meta: GgufMeta, key: string): string | null {
  const id = meta.number(key);
  if (id === undefined) return null;
  if (!Number.isSafeInteger(id) || id < 0 || id >= tokens.length) meta.fail(`metadata "${key}" = ${id} is not a token of the ${tokens.length}-token vocabulary`);
  return tokens[id];
}

/** Merges of a SentencePiece BPE vocabulary: every split of a piece into two pieces, ranked by the piece's score. */
export function sentencePieceMerges(tokens: string[], scores: number[], types: number[] | undefined): [string, string][] {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (!ids.has(t)) ids.set(t, i);
  });
  const isNormal = (i: number) => !types || types[i] === TOKEN_TYPE.NORMAL || types[i] === TOKEN_TYPE.USER_DEFINED;
  const merges: { l: string; r: string; score: number; id: number; li: number; ri: number }[] = [];
  tokens.forEach((piece, id) => {
    if (!isNormal(id) || ids.get(piece) !== id) return;
    const chars = [...piece];
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join('');
      const r = chars.slice(k).join('');
      const li = ids.get(l);
      const ri = ids.get(r);
      if (li !== undefined && ri !== undefined) merges.push({ l, r, score: scores[id], id, li, ri });
    }
  });
  merges.sort((a, b) => b.score - a.score || a.id - b.id || a.li - b.li || a.ri - b.ri);
  return merges.map((m) => [m.l, m.r]);
}

function addedTokens(tokens: string[], types: number[] | undefined, unk: string | null): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  tokens.forEach((content, id) => {
    const t = types?.[id];
    const control = t === TOKEN_TYPE.CONTROL || t === TOKEN_TYPE.UNKNOWN || (t === undefined && content === unk);
    if (!control && t !== TOKEN_TYPE.USER_DEFINED) return;
    out.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: control });
  });
  return out;
}

function postProcessor(bos: string | null, eos: string | null, addBos: boolean, addEos: boolean, ids: Map<string, number>): unknown {
  const single: unknown[] = [];
  const special: Record<string, unknown> = {};
  if (addBos && bos !== null) {
    single.push({ SpecialToken: { id: bos, type_id: 0 } });
    special[bos] = { id: bos, ids: [ids.get(bos)], tokens: [bos] };
  }
  single.push({ Sequence: { id: 'A', type_id: 0 } });
  if (addEos && eos !== null) {
    single.push({ SpecialToken: { id: eos, type_id: 0 } });
    special[eos] = { id: eos, ids: [ids.get(eos)], tokens: [eos] };
  }
  if (single.length === 1) return null;
  return { type: 'TemplateProcessing', single, pair: [...single, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: special };
}

/** tokenizer.json and tokenizer_config.json objects from a GGUF file's `tokenizer.*` metadata. */
export function ggufTokenizer(meta: GgufMeta): TokenizerObjects {
  const model = meta.string('tokenizer.ggml.model');
  if (model === undefined) meta.fail('metadata "tokenizer.ggml.model" is missing: the file has no tokenizer');
  if (model !== 'llama' && model !== 'gpt2') meta.fail(`tokenizer.ggml.model "${model}" is not supported (llama = SentencePiece, gpt2 = byte-level BPE)`);
  const tokens = stringList(meta, 'tokenizer.ggml.tokens');
  const types = numberList(meta, 'tokenizer.ggml.token_type', tokens.length);
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (!ids.has(t)) ids.set(t, i);
  });
  const vocab = Object.fromEntries(ids);
  const bos = tokenAt(tokens, meta, 'tokenizer.ggml.bos_token_id');
  const eos = tokenAt(tokens, meta, 'tokenizer.ggml.eos_token_id');
  const unk = tokenAt(tokens, meta, 'tokenizer.ggml.unknown_token_id');
  const pad = tokenAt(tokens, meta, 'tokenizer.ggml.padding_token_id');
  const sentencePiece = model === 'llama';
  const addBos = meta.bool('tokenizer.ggml.add_bos_token') ?? sentencePiece;
  const addEos = meta.bool('tokenizer.ggml.add_eos_token') ?? false;
  const common = { version: '1.0', truncation: null, padding: null, added_tokens: addedTokens(tokens, types, unk), post_processor: postProcessor(bos, eos, addBos, addEos, ids) };
  let json: Record<string, unknown>;
  if (sentencePiece) {
    const scores = numberList(meta, 'tokenizer.ggml.scores', tokens.length);
    if (!scores) meta.fail('metadata "tokenizer.ggml.scores" is missing (a SentencePiece vocabulary needs its scores)');
    const addSpacePrefix = meta.bool('tokenizer.ggml.add_space_prefix') ?? true;
    const replace = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
    json = {
      ...common,
      normalizer: { type: 'Sequence', normalizers: addSpacePrefix ? [{ type: 'Prepend', prepend: '▁' }, replace] : [replace] },
      pre_tokenizer: null,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          ...(addSpacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
        ],
      },
      model: {
        type: 'BPE', dropout: null, unk_token: unk, continuing_subword_prefix: null, end_of_word_suffix: null,
        fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: sentencePieceMerges(tokens, scores!, types),
      },
    };
  } else {
    const pre = meta.string('tokenizer.ggml.pre') ?? 'default';
    const style = BPE_PRE[pre];
    if (!style) meta.fail(`tokenizer.ggml.pre "${pre}" is not supported (supported: ${Object.keys(BPE_PRE).join(', ')})`);
    const merges = stringList(meta, 'tokenizer.ggml.merges');
    json = {
      ...common,
      normalizer: style.normalizer,
      pre_tokenizer: style.pre,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
        fuse_unk: false, byte_fallback: false, ignore_merges: style.ignoreMerges, vocab, merges: merges.map((m) => m.split(' ', 2)),
      },
    };
  }
  const config: Record<string, unknown> = {
    tokenizer_class: sentencePiece ? 'LlamaTokenizer' : 'PreTrainedTokenizer',
    add_bos_token: addBos,
    add_eos_token: addEos,
    bos_token: bos,
    eos_token: eos,
    unk_token: unk,
    pad_token: pad,
    clean_up_tokenization_spaces: false,
    legacy: false,
    model_max_length: meta.number(`${meta.string('general.architecture')}.context_length`) ?? 2048,
  };
  const template = meta.string('tokenizer.chat_template');
  if (template !== undefined) config.chat_template = template;
  return { json, config };
}
