// Killing the CLI leaves no Chromium behind: SIGTERM/SIGINT to the CLI, and SIGTERM to an `npx` wrapper that does not
// pass the signal on (the CLI notices it was orphaned). Every Chromium process of the run, and its crash handlers
// (found by the run's profile folder), must be gone afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(shared, 'models/stories260K');
const GENERATE = ['cli/main.ts', 'generate', '--model', STORIES, '--prompt', 'Once upon a time', '--max-new-tokens', '490', '--ignore-eos', '--json'];

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The Chromium processes started under `root`, and the crash handlers that share their profile folder. */
function chromiumOf(root: number): Proc[] {
  const all = processes();
  const under = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!under.has(p.pid) && under.has(p.ppid)) (under.add(p.pid), (grew = true));
  }
  const browsers = all.filter((p) => under.has(p.pid) && /chrom/.test(p.cmdline));
  const profiles = new Set(browsers.map((p) => /--user-data-dir=(\S+)/.exec(p.cmdline)?.[1]).filter((d): d is string => Boolean(d)));
  const handlers = all.filter((p) => /crashpad/.test(p.cmdline) && [...profiles].some((d) => p.cmdline.includes(d)));
  return [...browsers, ...handlers.filter((h) => !browsers.some((b) => b.pid === h.pid))];
}

function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 200))) if (cond()) return true;
  return cond();
}

function collect(child: ChildProcess): { stdout: () => string; exited: Promise<number | null> } {
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.resume();
  return { stdout: () => stdout, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

test.describe.configure({ mode: 'serial' });

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${signal} to the CLI closes the browser and prints a JSON error`, async () => {
    test.setTimeout(120_000);
    const child = spawn(process.execPath, ['--import', 'tsx', ...GENERATE], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run = collect(child);
    expect(await waitFor(() => chromiumOf(child.pid!).some((p) => p.ppid === child.pid), 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const chromium = chromiumOf(child.pid!);
    child.kill(signal);
    expect(await run.exited).toBe(code);
    expect(JSON.parse(run.stdout())).toEqual({ error: `interrupted by ${signal}; the browser was closed` });
    expect(await waitFor(() => chromium.every((p) => !alive(p.pid)), 15_000), chromium.filter((p) => alive(p.pid)).map((p) => p.cmdline.slice(0, 100)).join('\n')).toBe(true);
  });
}

test('SIGTERM to an npx wrapper that drops the signal still closes the browser', async () => {
  test.setTimeout(120_000);
  const child = spawn('npx', ['tsx', ...GENERATE], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = collect(child);
  expect(await waitFor(() => chromiumOf(child.pid!).length > 0, 60_000)).toBe(true);
  await new Promise((r) => setTimeout(r, 1000));
  const chromium = chromiumOf(child.pid!);
  child.kill('SIGTERM');
  await run.exited;
  // The orphaned CLI still holds our stdout pipe: it reports why it stopped instead of finishing the generation.
  expect(await waitFor(() => run.stdout().includes('\n'), 60_000)).toBe(true);
  expect(JSON.parse(run.stdout())).toEqual({ error: 'stopped: the process that started the CLI ended; the browser was closed' });
  expect(await waitFor(() => chromium.every((p) => !alive(p.pid)), 20_000), chromium.filter((p) => alive(p.pid)).map((p) => p.cmdline.slice(0, 100)).join('\n')).toBe(true);
});
