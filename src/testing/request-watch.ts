/**
 * The request watcher's rule for the browser tests (e2e/production-csp.spec.ts): every request the page, its workers
 * or its sockets make must go to the page's own origin (data: and blob: URLs never leave the browser), and none may
 * carry a secret (the prompt) in its URL or body, as typed or URL-encoded. Pure, so the rule itself is unit-tested.
 */
export interface WatchedRequest {
  url: string;
  /** The request body as text, when it has one. */
  body?: string | null;
}

/** The requests that break the rule, each with the reason. */
export function leavingRequests(requests: readonly WatchedRequest[], origin: string, secrets: readonly string[] = []): string[] {
  const own = new URL(origin).origin;
  const out: string[] = [];
  for (const r of requests) {
    if (/^(data|blob):/.test(r.url)) continue;
    let at: string;
    try {
      at = new URL(r.url).origin;
    } catch {
      out.push(`${r.url}: not a URL`);
      continue;
    }
    if (at !== own) out.push(`${r.url}: goes to ${at}, not ${own}`);
    for (const s of secrets) {
      const forms = [s, encodeURIComponent(s), encodeURIComponent(s).replace(/%20/g, '+')];
      const where = [decodeSafe(r.url), r.url, r.body ?? ''];
      if (forms.some((f) => where.some((w) => w.includes(f)))) out.push(`${r.url}: carries ${JSON.stringify(s)}`);
    }
  }
  return out;
}

function decodeSafe(u: string): string {
  try {
    return decodeURIComponent(u);
  } catch {
    return u;
  }
}
