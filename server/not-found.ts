// The dev server's 404 for /models/…: plain text with a charset, never sniffed as HTML, never cached, and no part of
// the request path in the body (an echoed path is reflected content: a crafted link could put markup in it).
import type { ServerResponse } from 'node:http';

export type NotFoundReason = 'no-model' | 'no-file' | 'bad-path';

const MESSAGES: Record<NotFoundReason, string> = {
  'no-model': 'Not found: no such model folder (a model folder needs a config.json; see /models/index.json).',
  'no-file': 'Not found: the model folder has no such file (see /models/index.json for its files).',
  'bad-path': 'Not found: the path is not a file inside a model folder.',
};

export function notFoundBody(reason: NotFoundReason): string {
  return MESSAGES[reason] + '\n';
}

export function sendNotFound(res: ServerResponse, reason: NotFoundReason): void {
  const body = notFoundBody(reason);
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}
