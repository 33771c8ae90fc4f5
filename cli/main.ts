// steerscope CLI: the same engine as the page, in headless Chromium; prints one JSON object on stdout.
//   npm run --silent cli -- generate --model <folder|hub id|url> --prompt "<text>" --max-new-tokens <n>
//        [--greedy | --temperature <t> --top-p <p> --top-k <k> --seed <s>] [--repetition-penalty <r>] [--chat [--system <text>]]
//        [--stop <text>] [--ignore-eos] [--keep-prompt-end] [--max-context <n>] --json
import { parseArgs } from 'node:util';
import { cleanError } from './browser-session.ts';
import { shutdownInProgress } from './shutdown.ts';
import { runBench } from './bench.ts';
import { runEval } from './eval.ts';
import { runFit } from './fit.ts';
import { runGenerate } from './generate.ts';
import { runImport } from './import.ts';
import type { Flags } from './args.ts';

const USAGE = `usage: steerscope <command> [options] --json
commands:
  generate --model <folder|hub id|url> --prompt <text> [--max-new-tokens n] [--greedy | --temperature t --top-p p --top-k k --seed s]
           [--repetition-penalty r] [--chat [--system text]] [--stop text] [--ignore-eos] [--keep-prompt-end] [--max-context n]
           [--intervention <folder> [--strength λ] [--no-gate]]   (repeat --intervention to apply several in that order;
           one --strength for all, or one per --intervention, paired in order) [--allow-other-model]
  bench    [--models stories260K,smollm2-135m,qwen2.5-0.5b] [--prompt-tokens 128] [--new-tokens 128] (16 and 8 for the GGUF sections alone) [--peer-new-tokens n] [--skip-peer]
           [--rounds 5] [--round-budget 60] [--sections decode,training,wllama,engine-gguf] [--training-models stories260K,smollm2-135m]
           [--train-batch 4] [--train-tokens 16] [--train-reps 3] [--out file.json]
           [--sections engine-gguf,wllama --gguf file.gguf [--gguf-rounds 4] [--wllama-variants wasm-1t,wasm-mt,webgpu] [--wllama-rounds 3]]
  fit      --model <m> --dataset <file.json> --method mean|linear-act [--hooks all|attn|mlp|resid|0.attn,3.mlp] [--dsas]
           [--mode incremental|independent] --out <folder>
  fit      --model <m> --dataset <file.json> --method lineas [--steps n] [--lr x] [--batch b] [--l1 x] [--group x] [--dsas e2e] [--seed s] [--trainer auto|gpu|cpu]
           [--hooks …] --out <folder>
  eval     --model <m> --intervention <folder> --dataset <file.json> [--lambdas 0,0.5,1] [--gates on|off|both]
           [--intervention <held folder> … [--strength λ] [--no-gate]]   (the first --intervention is swept; each one after
           it is held at its --strength, one for all held ones or one each, paired in order; --gates is the swept one's,
           --no-gate turns the held ones' gates off) [--allow-other-model]
           [--max-new-tokens 32] [--prompts n] [--neutral n] [--seed s] [--temperature 1 --top-p 0.3 --top-k 0
           --repetition-penalty 1.2 | --greedy] [--chat] [--system text] [--max-context n] [--scorer lexicon|vader|classifier]
           [--vader-source negative|positive] [--classifier-model <hub id|folder> --source-label L [--target-label L]]
  import   --file <control_vector.gguf | torch_maps.safetensors> --out <folder> [--model-id id] [--hidden-size d] [--layers n]
(--intervention takes a folder, or a .gguf control vector / PyTorch .safetensors map file directly; a folder made for
another model id than the loaded model's is refused unless --allow-other-model: its shapes are checked either way)
hub ids (owner/name, owner/name/file.gguf) for generate, fit, eval and bench: [--hub-endpoint url] (or HF_ENDPOINT; default
https://huggingface.co), the token from HF_TOKEN (gated or private repos; sent only to the endpoint), downloads kept in
[--cache-dir dir] (default $STEERSCOPE_CACHE_DIR or ~/.cache/steerscope/hub) and revalidated by ETag, or [--no-cache]`;

/** Repeatable: `generate --intervention A --strength 0.5 --intervention B --strength 1.5`. */
const MULTIPLE_FLAGS = ['intervention', 'strength'];
const BOOLEAN_FLAGS = ['json', 'greedy', 'chat', 'ignore-eos', 'keep-prompt-end', 'help', 'dsas', 'dsas-e2e', 'no-gate', 'skip-peer', 'no-cache', 'allow-other-model'];
const STRING_FLAGS = [
  'model', 'prompt', 'system', 'max-new-tokens', 'temperature', 'top-p', 'top-k', 'seed', 'repetition-penalty', 'stop', 'max-context',
  'dataset', 'method', 'hooks', 'out', 'steps', 'lr', 'batch', 'l1', 'group', 'models', 'prompt-tokens', 'new-tokens', 'peer-new-tokens',
  'rounds', 'round-budget', 'sections', 'training-models', 'train-batch', 'train-tokens', 'train-reps', 'gguf', 'wllama-variants', 'wllama-rounds', 'gguf-rounds',
  'trainer', 'mode', 'lambdas', 'gates', 'prompts', 'neutral', 'scorer', 'vader-source', 'classifier-model', 'source-label', 'target-label', 'file', 'model-id', 'hidden-size', 'layers',
  'hub-endpoint', 'cache-dir',
];

const commands: Record<string, (flags: Flags) => Promise<Record<string, unknown>>> = {
  generate: runGenerate,
  fit: runFit,
  bench: runBench,
  eval: runEval,
  import: runImport,
};

async function main(): Promise<number> {
  let parsed;
  try {
    // `--dsas e2e` (LinEAS) is spelled as one flag internally.
    const argv = process.argv.slice(2);
    const at = argv.findIndex((a, i) => a === '--dsas' && argv[i + 1] === 'e2e');
    if (at >= 0) argv.splice(at, 2, '--dsas-e2e');
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(BOOLEAN_FLAGS.map((f) => [f, { type: 'boolean' as const }])),
        ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
        ...Object.fromEntries(MULTIPLE_FLAGS.map((f) => [f, { type: 'string' as const, multiple: true as const }])),
      },
    });
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: cleanError(e) }) + '\n');
    return 2;
  }
  const [command] = parsed.positionals;
  const flags = parsed.values as Flags;
  if (flags.help || !command) {
    process.stderr.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const run = commands[command];
  if (!run) {
    process.stdout.write(JSON.stringify({ error: `unknown command "${command}"; try --help` }) + '\n');
    return 2;
  }
  // While an interrupt closes the browser, the command fails under it: the shutdown prints and exits, not us.
  const interrupted = () => new Promise<number>(() => {});
  try {
    const out = await run(flags);
    if (shutdownInProgress()) return interrupted();
    process.stdout.write((flags.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
    return 0;
  } catch (e) {
    if (shutdownInProgress()) return interrupted();
    process.stdout.write(JSON.stringify({ error: cleanError(e) }) + '\n');
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stdout.write(JSON.stringify({ error: cleanError(e) }) + '\n');
    process.exit(1);
  },
);
