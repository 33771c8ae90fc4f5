// llama.cpp (through node-llama-cpp's prebuilt CPU binary) on one GGUF file: an independent reference for our
// tokenizer and greedy decoding. Writes .cache/references/<file>.llama-cpp.json (or --out) with
//   tokenization: each of TEXTS tokenized the way llama.cpp does (special tokens parsed, no BOS/EOS added), and
//   continuations: greedy continuations of 8 prompts (chat-templated and raw for a model with a chat template,
//     raw only otherwise), NEW_TOKENS each, EOS ignored, with the top two tokens of every step's distribution and
//     their log-probabilities (their difference is the logit gap: llama.cpp's greedy softmax is over the full
//     vocabulary, so log p₁ − log p₂ = logit₁ − logit₂).
// Usage: tsx tools/llama-cpp-reference.ts MODEL.gguf [--out FILE]. Prefer src/testing/llama-cpp-reference.ts,
// which caches the answer and re-runs this only when the file or this script changed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from '@huggingface/jinja';
import { getLlama, LlamaLogLevel, type ControlledEvaluateInputItem, type Token } from 'node-llama-cpp';
import type { ContinuationCase, LlamaCppReferenceFile, Step } from '../src/testing/llama-cpp-reference.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = fileURLToPath(import.meta.url);
const NEW_TOKENS = 32;

/** Texts whose llama.cpp token ids our tokenizer must reproduce. */
const TEXTS: string[] = [
  'Once upon a time',
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
  'Hello, world!',
  ' leading space',
  '   three leading spaces and trailing   ',
  'Tabs\tand\t\ttwo tabs, newline\nand two\n\nthree\n\n\nnewlines',
  '\n\nstarts with newlines',
  'Digits 0 1 12 123 1234 12345 and 3.14159, 1,000,000, -42, 2024-06-01',
  'A long number: 123456789012345678901234567890',
  'Unicode: café, naïve, Zürich, façade, jalapeño, Ångström',
  'Emoji: 😀 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️',
  'CJK: 日本語のテキスト、中文文本，한국어 텍스트',
  'Mixed scripts: Привет мир, γειά σου κόσμε, مرحبا بالعالم, שלום עולם',
  "Contractions: don't, I'm, they'll, we've, it's, she'd, you're",
  'Code: function f(x) { return x * 2; } // comment\n    indented();',
  'Punctuation!!! ??? ... --- *** ((( ))) [[[ ]]] {{{ }}}',
  'URLs https://example.com/path?q=1&r=2#frag and e-mail a.b@c.de',
  '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n',
  '<s>Hello</s> and <unk> as text',
  '<|endoftext|>after end of text',
  'UPPER lower MiXeD CamelCaseWord snake_case_word kebab-case-word',
  'Windows line ends\r\nand a lone\rcarriage return',
  'A run of twenty spaces:                    end, and a run of tabs\t\t\t\t.',
  ' \n \t\n  mixed whitespace runs \n\n\t ',
  'Trailing newlines\n\n\n\n',
  'Combining: e\u0301 vs \u00e9, non-breaking\u00a0space, zero\u200bwidth, ﬁ ligature, Ｆｕｌｌｗｉｄｔｈ',
  'Emoji inside words: sun☀️shine, cat🐱s, 1️⃣2️⃣3️⃣',
  '<|im_start|>assistant\nSure! Here you go.<|im_end|>\n<|im_start|>user\n日本語で？<|im_end|>',
  '<|im_start|><|im_end|><|im_start|>user<|im_end|>',
  '',
];

/** Greedy prompts: chat messages (rendered with the file's chat template) and raw text. */
const CHAT_PROMPTS = [
  'What is the capital of France?',
  'Write a haiku about the sea.',
  'Explain in one sentence why the sky is blue.',
  'List three fruits.',
];
const RAW_PROMPTS = [
  'Once upon a time',
  'The quick brown fox',
  'Lily and her dog went to the park. They saw',
  'def fibonacci(n):\n    ',
  'The three primary colors are',
  'One day, a little bird',
  'Tom was sad because',
  'In 1492, Columbus',
];

function top2(probs: Map<Token, number>): [number, number] {
  let a = -1, b = -1, pa = -Infinity, pb = -Infinity;
  for (const [t, p] of probs) {
    if (p > pa || (p === pa && t < a)) { b = a; pb = pa; a = t; pa = p; }
    else if (p > pb || (p === pb && t < b)) { b = t; pb = p; }
  }
  return [a, b];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const modelPath = path.resolve(args[0] ?? '');
  if (!args[0] || !fs.existsSync(modelPath)) throw new Error('usage: tsx tools/llama-cpp-reference.ts MODEL.gguf [--out FILE]');
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(REPO_ROOT, '.cache/references', `${path.basename(modelPath)}.llama-cpp.json`);
  const t0 = Date.now();
  // build: 'never' — the prebuilt CPU binary from the npm package, never a download or a source build.
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const meta = model.fileInfo.metadata as { tokenizer?: { chat_template?: string } };
  const chatTemplate = meta.tokenizer?.chat_template;
  const addBos = model.tokens.shouldPrependBosToken;
  const bos = model.tokens.bos;
  const eos = model.tokens.eos;
  const tokenization = TEXTS.map((text) => ({ text, ids: [...model.tokenize(text, true)] as number[] }));

  const prompts: { kind: 'chat' | 'raw'; prompt: string; text: string }[] = [];
  if (chatTemplate) {
    const tpl = new Template(chatTemplate);
    for (const p of CHAT_PROMPTS) {
      const text = tpl.render({ messages: [{ role: 'user', content: p }], add_generation_prompt: true, bos_token: '', eos_token: '' });
      prompts.push({ kind: 'chat', prompt: p, text });
    }
    for (const p of RAW_PROMPTS.slice(0, 8 - prompts.length)) prompts.push({ kind: 'raw', prompt: p, text: p });
  } else {
    for (const p of RAW_PROMPTS) prompts.push({ kind: 'raw', prompt: p, text: p });
  }

  const context = await model.createContext({ contextSize: 512, batchSize: 512, threads: Number(process.env.LLAMA_THREADS ?? 1) });
  const sequence = context.getSequence();
  const continuations: ContinuationCase[] = [];
  for (const p of prompts) {
    const promptIds = [...(addBos && bos != null ? [bos] : []), ...(model.tokenize(p.text, true) as number[])];
    await sequence.clearHistory();
    const steps: Step[] = [];
    const next = (t: number): ControlledEvaluateInputItem => [t as Token, { generateNext: { probabilities: true } }];
    let input: ControlledEvaluateInputItem[] = [...(promptIds.slice(0, -1) as Token[]), next(promptIds.at(-1)!)];
    while (steps.length < NEW_TOKENS) {
      const result = await sequence.controlledEvaluate(input);
      const probs = result.at(-1)?.next?.probabilities;
      if (!probs || probs.size < 2) throw new Error('llama.cpp returned no next-token distribution');
      const [a, b] = top2(probs);
      const la = Math.log(probs.get(a as Token)!), lb = Math.log(probs.get(b as Token)!);
      steps.push({ id: a, top2: [a, b], top2LogProbs: [la, lb], logitGap: la - lb });
      input = [next(a)];
    }
    continuations.push({ ...p, promptIds, steps });
  }
  await context.dispose();
  await model.dispose();
  const result: LlamaCppReferenceFile = {
    model: modelPath,
    fileSize: fs.statSync(modelPath).size,
    scriptSha256: createHash('sha256').update(fs.readFileSync(SCRIPT)).digest('hex'),
    llamaCpp: `node-llama-cpp ${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/node-llama-cpp/package.json'), 'utf8')).version}, ${llama.buildType} ${JSON.stringify(llama.llamaCppRelease)}`,
    addBos,
    bos: bos ?? null,
    eos: eos ?? null,
    newTokens: NEW_TOKENS,
    tokenization,
    continuations,
    seconds: (Date.now() - t0) / 1000,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out + '.part', JSON.stringify(result, null, 1) + '\n');
  fs.renameSync(out + '.part', out);
  process.stderr.write(`written ${path.relative(REPO_ROOT, out)} in ${result.seconds.toFixed(1)} s\n`);
}

await main();
