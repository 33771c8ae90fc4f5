// Chat mode in the playground, on stories260K given a chat template in a test copy (TinyLlama's Zephyr-style format,
// whose turns end with </s>, the EOS token): the Chat / Raw switch, a system + user message through the template, the
// output and its tints and heatmap covering only the assistant's tokens, the reply stopping at the end of the turn (or
// at max tokens), nothing typed lost when switching, a chat dataset fitted through the template, and the clear
// message when a chat dataset meets a model without a template (the dataset fitted with a system message).
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { STORIES260K_DIR } from '../src/testing/node-paths.ts';
import { doneStats } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';
import { modelDir } from './fixtures/test-models.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';

// The test folders leave the server's list afterwards, so other specs see only theirs.
test.afterAll(() => {
  fs.rmSync(modelDir(MODEL), { recursive: true, force: true });
  const link = modelDir(GGUF_LINK);
  if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link); // the link only, never the model
});

// Not named after stories260K: other tests pick that folder by its name among the server's folders.
const MODEL = 'tiny-chat-stories';
const TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";
const SYSTEM = 'You tell short stories.';
const USER = 'Tell me a story about a cat.';
const RAW = 'Once upon a time';
const MAX_NEW = 40;

/** stories260K with a chat template in its tokenizer_config.json, served as /models/tiny-chat-stories/. */
function writeChatModel(): void {
  const dir = modelDir(MODEL);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json']) fs.copyFileSync(path.join(STORIES260K_DIR, f), path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(STORIES260K_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: TEMPLATE }, null, 2));
}

async function load(page: Page, name: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Model folder' }).selectOption(name);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: `${name} is ready` })).toBeVisible({ timeout: 90_000 });
}

const heatmap = (page: Page) => page.getByRole('img', { name: /^Steering strength, \d+ hooks × \d+ tokens/ });

test('chat mode: system + user message through the template, the reply alone tinted, stops at end of turn; raw text kept', async ({ page, browser }) => {
  test.setTimeout(10 * 60_000);
  writeChatModel();

  // ---- The reference: the engine harness, the same request (greedy), and the template written out by hand ----
  const harnessPage = await browser.newPage();
  const s = await openStableHarness(harnessPage);
  await s.load(MODEL);
  const ref = await s.generate({ prompt: USER, chat: true, system: SYSTEM, maxNewTokens: MAX_NEW, greedy: true });
  const byHand = await s.encode(`<|system|>\n${SYSTEM}</s>\n<|user|>\n${USER}</s>\n<|assistant|>\n`);
  // The template writes no BOS; encode() adds the tokenizer's (id 1), so the rest must match.
  expect(byHand[0]).toBe(1);
  expect(ref.promptTokenIds).toEqual(byHand.slice(1));
  // Stopped at the end of the assistant's turn (</s>, id 2), or ran to max tokens without producing it.
  if (ref.stopReason === 'eos') expect(ref.tokenIds.at(-1)).toBe(2);
  else {
    expect(ref.stopReason).toBe('max-tokens');
    expect(ref.tokenIds).toHaveLength(MAX_NEW);
    expect(ref.tokenIds).not.toContain(2);
  }
  await harnessPage.close();
  test.info().annotations.push({ type: 'reference', description: `${ref.stopReason} after ${ref.tokenIds.length} tokens: ${JSON.stringify(ref.text)}` });

  // ---- The playground ----
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await load(page, MODEL);
  const format = page.getByRole('group', { name: 'Prompt format' });
  await expect(format.getByRole('radio', { name: 'Raw text' })).toBeChecked();
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(RAW);
  await format.getByRole('radio', { name: 'Chat' }).check();
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveCount(0);
  // The draft's preset (sad → happy, for story models) has no chat messages: the chat models' default preset's are offered.
  await expect(page.getByRole('combobox', { name: /^Example messages \(Rude → polite\)/ }).locator('option')).toHaveCount(9);
  await page.getByRole('textbox', { name: 'System message (optional)' }).fill(SYSTEM);
  await page.getByRole('textbox', { name: 'User message' }).fill(USER);
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill(String(MAX_NEW));
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible({ timeout: 120_000 });
  const stats = (await doneStats(page).textContent()) ?? '';
  expect(stats).toContain(`${ref.tokenIds.length} token`);
  expect(stats).toContain(ref.stopReason === 'eos' ? 'the model ended the text' : 'reached max new tokens');
  // The output is the assistant's reply alone: no template markup, no system or user message, no prompt tokens.
  const shown = (await page.getByTestId('generated').textContent()) ?? '';
  expect(shown.trim()).toBe(ref.text.trim());
  for (const markup of ['<|', 'assistant', USER, SYSTEM]) expect(shown).not.toContain(markup);
  await expect(page.getByTestId('generated-prompt')).toHaveCount(0);

  // ---- Switching back to Raw text finds the raw prompt as typed; Chat finds its messages ----
  await format.getByRole('radio', { name: 'Raw text' }).check();
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(RAW);
  await format.getByRole('radio', { name: 'Chat' }).check();
  await expect(page.getByRole('textbox', { name: 'System message (optional)' })).toHaveValue(SYSTEM);
  await expect(page.getByRole('textbox', { name: 'User message' })).toHaveValue(USER);

  // ---- A chat dataset with a system message: fitted through the template (Mean-AcT + DSAS on one hook); the steered reply is tinted alone ----
  await page.getByRole('checkbox', { name: 'Chat dataset' }).check();
  await page.getByRole('textbox', { name: 'System message for every prompt (optional)' }).fill(SYSTEM);
  await page.getByRole('radio', { name: 'Mean-AcT' }).check();
  await page.getByRole('checkbox', { name: 'Train DSAS gates' }).check();
  const fitHooks = page.getByRole('group', { name: /^Hooks to fit/ });
  await fitHooks.getByRole('button', { name: 'None', exact: true }).click();
  await fitHooks.getByRole('checkbox', { name: 'Layer 0 attn' }).check();
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Fitted “/ })).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByText('Gate value s, mean over 1 hook:')).toBeVisible({ timeout: 120_000 });
  await expect(doneStats(page)).toBeVisible({ timeout: 120_000 });
  const steeredStats = (await doneStats(page).textContent()) ?? '';
  const steeredTokens = Number(/^(\d+) tokens?/.exec(steeredStats)?.[1]);
  expect(steeredTokens).toBeGreaterThan(0);
  expect(steeredTokens).toBeLessThanOrEqual(MAX_NEW);
  // One heatmap column per generated token (the prompt with its template markup is 40-odd tokens: none of them).
  await expect(heatmap(page)).toHaveAttribute('aria-label', new RegExp(`1 hooks? × ${steeredTokens} tokens?`));
  await expect(page.getByTestId('generated-prompt')).toHaveCount(0);
  const steeredText = (await page.getByTestId('generated').textContent()) ?? '';
  for (const markup of ['<|', USER, SYSTEM]) expect(steeredText).not.toContain(markup);

  // ---- The same chat dataset on a model without a chat template: a clear message; the rest keeps working ----
  await load(page, 'stories260K');
  await expect(page.getByText('This model has no chat template: raw text only.')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(RAW);
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(page.getByText(/This is a chat dataset \(each prompt a user message\), but this model has no chat template/)).toBeVisible({ timeout: 60_000 });
  await page.getByRole('checkbox', { name: 'Chat dataset' }).uncheck();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible({ timeout: 120_000 });
  expect(errors).toEqual([]);
});

// The default real model (scripts/fetch-model.sh), its ChatML template read from the GGUF file: a question with a
// one-word answer, so the reply ends its turn (<|im_end|>, id 2) within a few tokens (about 15 s a token on SwiftShader).
const GGUF_DIR = path.resolve('models/SmolLM2-135M-Instruct-Q4_1');
const GGUF_LINK = 'chat-smollm2';
const GGUF_ID = `${GGUF_LINK}/SmolLM2-135M-Instruct.Q4_1.gguf`;

test('chat mode on SmolLM2-135M-Instruct: the reply stops at the end of the assistant’s turn', async ({ page }) => {
  test.skip(!fs.existsSync(path.join(GGUF_DIR, 'SmolLM2-135M-Instruct.Q4_1.gguf')), 'the default model is not fetched');
  test.setTimeout(8 * 60_000);
  const link = modelDir(GGUF_LINK);
  if (!fs.existsSync(link)) fs.symlinkSync(GGUF_DIR, link);

  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Model folder' }).selectOption(GGUF_ID);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: /is ready/ })).toBeVisible({ timeout: 180_000 });
  await page.getByRole('group', { name: 'Prompt format' }).getByRole('radio', { name: 'Chat' }).check();
  // The chat models' default preset (rude → polite) offers its example messages.
  await expect(page.getByRole('combobox', { name: /^Example messages \(Rude → polite\)/ })).toBeVisible();
  await page.getByRole('textbox', { name: 'User message' }).fill('Reply with one word: yes or no. Is the sky blue?');
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const done = doneStats(page);
  await expect(done).toBeVisible({ timeout: 4 * 60_000 });
  await expect(done).toContainText('the model ended the text');
  const n = Number(/^(\d+) tokens?/.exec((await done.textContent()) ?? '')?.[1]);
  expect(n).toBeGreaterThan(1);
  expect(n).toBeLessThan(8);
  const reply = ((await page.getByTestId('generated').textContent()) ?? '').trim();
  expect(reply.length).toBeGreaterThan(0);
  for (const markup of ['<|im_', 'assistant', 'sky blue']) expect(reply).not.toContain(markup);
  expect(errors).toEqual([]);
});
