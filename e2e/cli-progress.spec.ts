// fit and eval report progress on stderr while stdout stays exactly one JSON object.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';

const run = promisify(execFile);
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(shared, 'models/stories260K');

async function cli(args: string[]): Promise<{ json: Record<string, unknown>; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--json'], { timeout: 10 * 60_000, maxBuffer: 64 * 2 ** 20 });
  expect(stdout.trim().split('\n')).toHaveLength(1);
  return { json: JSON.parse(stdout) as Record<string, unknown>, stderr };
}

test('fit and eval print progress to stderr', async () => {
  test.setTimeout(15 * 60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-progress-'));
  const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<string, unknown>;
  const pick = (k: string) => (data[k] as string[]).slice(0, 6);
  const dataset = path.join(dir, 'small.json');
  fs.writeFileSync(dataset, JSON.stringify({ source: pick('source'), target: pick('target'), control: pick('control'), lexicon: { source: ['sad'], target: ['happy'] } }));
  const iv = path.join(dir, 'iv');
  const fit = await cli(['fit', '--model', STORIES, '--dataset', dataset, '--method', 'mean', '--hooks', '0.attn', '--out', iv]);
  expect(fit.json.out).toBe(iv);
  expect(fit.stderr).toMatch(/steerscope: starting the browser and loading stories260K…/);
  expect(fit.stderr).toMatch(/steerscope: model loaded \(\d+ ms\); fitting mean on 6 source \/ 6 target \/ 6 control prompts/);
  expect(fit.stderr).toMatch(/steerscope: fitted in \d+ ms; saved /);
  const ev = await cli(['eval', '--model', STORIES, '--intervention', iv, '--dataset', dataset, '--lambdas', '0,1', '--prompts', '2', '--neutral', '2', '--max-new-tokens', '4']);
  expect(ev.json.points).toHaveLength(2);
  expect(ev.stderr).toMatch(/steerscope: model loaded \(\d+ ms\); evaluating λ 0, 1, gates off, 2 prompts, 2 neutral texts/);
  expect(ev.stderr).toMatch(/steerscope: evaluated in \d+ ms/);
});
