// Progress lines on stderr (stdout carries only the final JSON object).

export function progress(message: string): void {
  process.stderr.write(`steerscope: ${message}\n`);
}

/** Prints "<label>… <n> s" every `everyMs` until the returned function is called. */
export function heartbeat(label: string, everyMs = 15_000): () => void {
  const t0 = Date.now();
  const timer = setInterval(() => progress(`${label}… ${Math.round((Date.now() - t0) / 1000)} s`), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
