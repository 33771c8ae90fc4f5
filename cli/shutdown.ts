import fs from 'node:fs';
// Closes the browser and the dev server when the CLI is interrupted (Ctrl-C, kill, hang-up) or when the process that
// started it goes away (a wrapper such as `npm run`/`npx` killed on its own does not pass the signal on), so no
// Chromium is left running. Prints the one JSON object on stdout that every CLI run ends with.

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type SignalName = keyof typeof SIGNALS;

export interface ShutdownHooks {
  /** Default: process.stdout.write. */
  write?: (text: string) => void;
  /** Default: process.exit. */
  exit?: (code: number) => void;
  /** How often to check that the parent process is still there (ms); 0 turns the check off. Default 1000. */
  parentPollMs?: number;
  /** Longest wait for close() before exiting anyway (ms). Default 10,000. */
  closeTimeoutMs?: number;
}

let inProgress = false;

/**
 * True once an interrupt is being handled: the command's own result or error (the browser closing under it) must
 * then not be printed; the shutdown prints its JSON error and exits.
 */
export function shutdownInProgress(): boolean {
  return inProgress;
}

/** The exit code and the message for a shutdown cause. */
export function shutdownReport(cause: SignalName | 'parent-gone'): { code: number; error: string } {
  if (cause === 'parent-gone') return { code: 129, error: 'stopped: the process that started the CLI ended; the browser was closed' };
  return { code: 128 + SIGNALS[cause], error: `interrupted by ${cause}; the browser was closed` };
}

/**
 * Until the returned function is called: on SIGINT/SIGTERM/SIGHUP, or when the parent process changes (we were
 * orphaned), runs close() (bounded by closeTimeoutMs), prints {"error": …} and exits with 128 + the signal number.
 */
export function closeOnShutdown(close: () => Promise<void>, hooks: ShutdownHooks = {}): () => void {
  const write = hooks.write ?? ((t: string) => void process.stdout.write(t));
  const exit = hooks.exit ?? ((c: number) => process.exit(c));
  const closeTimeoutMs = hooks.closeTimeoutMs ?? 10_000;
  let stopping = false;

  const stop = async (cause: SignalName | 'parent-gone') => {
    if (stopping) return;
    stopping = true;
    inProgress = true;
    unregister();
    const { code, error } = shutdownReport(cause);
    process.stderr.write(`steerscope: ${error.replace('; the browser was closed', '')}, closing the browser…\n`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, closeTimeoutMs)))]);
    clearTimeout(timer);
    write(JSON.stringify({ error }) + '\n');
    exit(code);
  };

  const handlers = Object.keys(SIGNALS).map((name) => {
    const h = () => void stop(name as SignalName);
    process.on(name as SignalName, h);
    return [name as SignalName, h] as const;
  });
  const parent = process.ppid;
  const elders = ancestors();
  const pollMs = process.env.STEERSCOPE_NO_PARENT_WATCH ? 0 : (hooks.parentPollMs ?? 1000);
  const orphaned = () => process.ppid !== parent || elders.some((pid) => !isAlive(pid));
  const watch = pollMs > 0 ? setInterval(() => orphaned() && void stop('parent-gone'), pollMs) : undefined;
  watch?.unref();

  function unregister() {
    for (const [name, h] of handlers) process.off(name, h);
    if (watch) clearInterval(watch);
  }
  return unregister;
}

/**
 * The processes above this one, nearest first, up to (not including) init: `npm run` → sh → tsx → node. Killing
 * `npm` alone leaves sh as our grandparent's parent-less stand-in, so the direct parent alone would not show it.
 * Linux (/proc); elsewhere just the parent. STEERSCOPE_NO_PARENT_WATCH=1 turns the watch off (for a CLI started by
 * a launcher that exits on purpose).
 */
export function ancestors(): number[] {
  const out: number[] = [];
  let pid = process.ppid;
  for (let i = 0; i < 64 && pid > 1; i++) {
    out.push(pid);
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      break;
    }
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `start` and removes the signal listeners it added (Vite's dev server adds a SIGTERM listener that exits the
 * process as soon as the server is closed, before the browser is; closeOnShutdown does the closing and exiting).
 */
export async function keepingSignalsOurs<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(Object.keys(SIGNALS).map((name) => [name, new Set(process.listeners(name as SignalName))]));
  try {
    return await start();
  } finally {
    for (const [name, old] of before) {
      for (const l of process.listeners(name as SignalName)) if (!old.has(l)) process.off(name as SignalName, l);
    }
  }
}
