// The /models middleware's 404s: text/plain with a charset, nosniff, and no echo of the requested path.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsPlugin } from './models-plugin.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

let server: http.Server;
let base = '';

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'models-plugin-'));
  fs.mkdirSync(path.join(dir, 'tiny'));
  fs.writeFileSync(path.join(dir, 'tiny', 'config.json'), '{}');
  let handler: Handler | null = null;
  const plugin = modelsPlugin(dir);
  const configure = plugin.configureServer as (s: unknown) => void;
  configure({ middlewares: { use: (_prefix: string, h: Handler) => (handler = h) } });
  // Like connect: strip the /models mount prefix.
  server = http.createServer((req, res) => {
    req.url = req.url!.replace(/^\/models/, '') || '/';
    handler!(req, res, () => ((res.statusCode = 500), res.end('next')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const INJECT = '%3Cscript%3Ealert(1)%3C%2Fscript%3E';

describe('models plugin 404', () => {
  for (const [what, url] of [
    ['an unknown model folder', `/models/${INJECT}/config.json`],
    ['an unknown file in a model folder', `/models/tiny/${INJECT}.safetensors`],
    ['a path climbing out', `/models/tiny/..%2F..%2F${INJECT}`],
    ['a malformed escape', `/models/tiny/%E0%A4%A${INJECT}`],
  ] as const) {
    it(`${what}: text/plain, nosniff, no echo`, async () => {
      const r = await fetch(base + url);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await r.text();
      expect(body).toMatch(/^Not found: /);
      expect(body).not.toMatch(/script|alert|\.safetensors/);
    });
  }

  it('still serves the files that exist', async () => {
    const r = await fetch(`${base}/models/tiny/config.json`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{}');
  });
});
