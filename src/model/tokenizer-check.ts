/**
 * The shape of tokenizer.json and tokenizer_config.json, checked before @huggingface/transformers reads them: its
 * errors on a malformed file are TypeErrors from deep inside, or it quietly builds a vocabulary array as long as the
 * largest id (an id of 10⁹ hangs the page). Every message names the file and the field.
 */
export class TokenizerFileError extends Error {
  override name = 'TokenizerFileError';
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const shown = (v: unknown) => (v === undefined ? 'missing' : (JSON.stringify(v) ?? String(v)).slice(0, 60));

/** Components with a `type` and, for Sequences, lists of components (normalizers, pretokenizers, decoders, processors). */
const CHILD_LISTS = ['normalizers', 'pretokenizers', 'decoders', 'processors'];

function checkComponent(v: unknown, where: string, fail: (m: string) => never, depth = 0): void {
  if (v === null || v === undefined) return;
  if (!isObject(v) || typeof v.type !== 'string') fail(`${where} must be null or an object with a "type" string, found ${shown(v)}`);
  if (depth > 8) fail(`${where} nests Sequences deeper than 8 levels`);
  const c = v as Obj;
  for (const key of CHILD_LISTS) {
    if (!(key in c)) continue;
    const list = c[key];
    if (!Array.isArray(list)) fail(`${where}.${key} must be a list, found ${shown(list)}`);
    (list as unknown[]).forEach((child, i) => {
      if (child === null) fail(`${where}.${key}[${i}] must be an object with a "type" string, found null`);
      checkComponent(child, `${where}.${key}[${i}]`, fail, depth + 1);
    });
  }
  if (c.type === 'TemplateProcessing') {
    for (const key of ['single', 'pair']) {
      const list = c[key];
      if (list === undefined) continue;
      if (!Array.isArray(list) || !list.every((x) => isObject(x) && (isObject(x.SpecialToken) || isObject(x.Sequence)))) {
        fail(`${where}.${key} must be a list of {"SpecialToken": …} or {"Sequence": …} items, found ${shown(list)}`);
      }
    }
    if (c.special_tokens !== undefined && !isObject(c.special_tokens)) fail(`${where}.special_tokens must be an object, found ${shown(c.special_tokens)}`);
  }
}

/** tokenizer.json: the model's vocabulary (ids below `vocabSize` when known), merges, added tokens and pipeline parts. */
export function checkTokenizerJson(json: unknown, vocabSize?: number, file = 'tokenizer.json'): void {
  const fail = (m: string): never => {
    throw new TokenizerFileError(`${file}: ${m}`);
  };
  if (!isObject(json)) fail(`must be a JSON object, found ${shown(json)}`);
  const j = json as Obj;
  const model = j.model;
  if (!isObject(model) || typeof model.type !== 'string') fail(`"model" must be an object with a "type" string, found ${shown(model)}`);
  const m = model as Obj;
  const limit = vocabSize ?? Number.MAX_SAFE_INTEGER;
  const idRange = vocabSize === undefined ? 'a non-negative integer' : `an integer from 0 to ${vocabSize - 1} (vocab_size ${vocabSize})`;
  if (Array.isArray(m.vocab)) {
    // Unigram: [piece, score] pairs, the id is the position.
    if (m.vocab.length > limit) fail(`"model.vocab" has ${m.vocab.length} entries, more than vocab_size ${vocabSize}`);
    m.vocab.forEach((e, i) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number') fail(`"model.vocab"[${i}] must be a [piece, score] pair, found ${shown(e)}`);
    });
  } else if (isObject(m.vocab)) {
    for (const [token, id] of Object.entries(m.vocab)) {
      if (!isId(id) || id >= limit) fail(`"model.vocab" gives token ${shown(token)} the id ${shown(id)}; an id must be ${idRange}`);
    }
  } else fail(`"model.vocab" must be an object of token → id (or a list for Unigram), found ${shown(m.vocab)}`);
  const entries = Array.isArray(m.vocab) ? m.vocab.length : Object.keys(m.vocab as Obj).length;
  if (entries === 0) fail(`has an empty vocabulary (0 tokens in "model.vocab")${vocabSize === undefined ? '' : `; the model's vocab_size is ${vocabSize}`}: every text would encode as unknown tokens`);
  if (m.merges !== undefined && m.merges !== null) {
    if (!Array.isArray(m.merges)) fail(`"model.merges" must be a list, found ${shown(m.merges)}`);
    (m.merges as unknown[]).forEach((x, i) => {
      const ok = typeof x === 'string' || (Array.isArray(x) && x.length === 2 && x.every((p) => typeof p === 'string'));
      if (!ok) fail(`"model.merges"[${i}] must be "a b" or ["a", "b"], found ${shown(x)}`);
    });
  }
  for (const key of ['unk_token', 'continuing_subword_prefix', 'end_of_word_suffix']) {
    if (m[key] !== undefined && m[key] !== null && typeof m[key] !== 'string') fail(`"model.${key}" must be a string or null, found ${shown(m[key])}`);
  }
  if (j.added_tokens !== undefined && j.added_tokens !== null) {
    if (!Array.isArray(j.added_tokens)) fail(`"added_tokens" must be a list, found ${shown(j.added_tokens)}`);
    (j.added_tokens as unknown[]).forEach((t, i) => {
      if (!isObject(t) || typeof t.content !== 'string' || t.content === '') fail(`"added_tokens"[${i}] must be an object with a non-empty "content" string, found ${shown(t)}`);
      const a = t as Obj;
      if (!isId(a.id) || a.id >= limit) fail(`"added_tokens"[${i}] (${shown(a.content)}) has the id ${shown(a.id)}; an id must be ${idRange}`);
    });
  }
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) checkComponent(j[key], `"${key}"`, fail);
}

const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/** tokenizer_config.json: special tokens (a string, null, or {content}), the class name and the chat template. */
export function checkTokenizerConfig(config: unknown, file = 'tokenizer_config.json'): void {
  const fail = (m: string): never => {
    throw new TokenizerFileError(`${file}: ${m}`);
  };
  if (!isObject(config)) fail(`must be a JSON object, found ${shown(config)}`);
  const c = config as Obj;
  for (const key of SPECIAL_TOKENS) {
    const v = c[key];
    if (v === undefined || v === null || typeof v === 'string') continue;
    if (!isObject(v) || typeof v.content !== 'string') fail(`"${key}" must be a token string, null or {"content": "…"}, found ${shown(v)}`);
  }
  if (c.tokenizer_class !== undefined && c.tokenizer_class !== null && typeof c.tokenizer_class !== 'string') fail(`"tokenizer_class" must be a string, found ${shown(c.tokenizer_class)}`);
  const t = c.chat_template;
  if (t !== undefined && t !== null && typeof t !== 'string') {
    const ok = Array.isArray(t) && t.every((x) => isObject(x) && typeof x.name === 'string' && typeof x.template === 'string');
    if (!ok) fail(`"chat_template" must be a string (or a list of {"name", "template"}), found ${shown(t)}`);
  }
  for (const key of ['add_bos_token', 'add_eos_token', 'legacy', 'clean_up_tokenization_spaces']) {
    if (c[key] !== undefined && c[key] !== null && typeof c[key] !== 'boolean') fail(`"${key}" must be true or false, found ${shown(c[key])}`);
  }
}
