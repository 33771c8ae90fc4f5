// The CLI's hub: the page asks its own dev server (`/hub/<owner>/<repo>/resolve/<rev>/<file>`), and this handler reads
// the file from the hub endpoint (HF_ENDPOINT, default huggingface.co) with the token (HF_TOKEN) sent to the endpoint's
// origin only, following redirects itself. Whole files are kept on disk between runs (default
// ~/.cache/steerscope/hub) and revalidated once per run by ETag (If-None-Match; 304 keeps them); offline, the disk
// copy is used. Byte ranges are answered from a kept file, or passed through to the hub until the file is kept.
import { str, type Flags } from './args.ts';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hubEndpointOf, withCredential, type Credential } from '../src/model/formats/hub.ts';

export interface HubCacheOptions {
  /** The hub endpoint (checked like the app's setting). */
  endpoint: string;
  token?: string;
  /** Where whole files are kept; null: nothing is kept. */
  dir: string | null;
}

interface Meta {
  status: 200 | 404;
  etag: string | null;
  size: number;
  contentType: string | null;
}

/** The default disk cache: $STEERSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/steerscope/hub, else ~/.cache/steerscope/hub. */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEERSCOPE_CACHE_DIR) return path.resolve(env.STEERSCOPE_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'steerscope', 'hub');
}

/** GET or HEAD, following up to 5 redirects; the token goes only to the endpoint's origin. */
async function upstream(url: string, method: 'GET' | 'HEAD', headers: Record<string, string>, cred: Credential | undefined): Promise<Response> {
  let u = url;
  for (let hop = 0; hop <= 5; hop++) {
    const res = await fetch(u, { method, headers: withCredential(u, headers, cred), redirect: 'manual' });
    const loc = res.headers.get('Location');
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !loc) return res;
    await res.body?.cancel();
    u = new URL(loc, u).href;
  }
  throw new Error(`${url}: more than 5 redirects`);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
  res.writeHead(status, headers);
  res.end(body);
}

function serveKept(req: IncomingMessage, res: ServerResponse, file: string, meta: Meta): void {
  if (meta.status === 404) return send(res, 404, { 'Content-Type': 'text/plain' }, 'not on the hub (remembered)');
  const base: Record<string, string> = { 'Accept-Ranges': 'bytes', ...(meta.etag ? { ETag: meta.etag } : {}), ...(meta.contentType ? { 'Content-Type': meta.contentType } : {}) };
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : meta.size - 1, meta.size - 1);
    if (start >= meta.size) return send(res, 416, { 'Content-Range': `bytes */${meta.size}` });
    res.writeHead(206, { ...base, 'Content-Range': `bytes ${start}-${end}/${meta.size}`, 'Content-Length': String(end - start + 1) });
    if (req.method === 'HEAD') return void res.end();
    fs.createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...base, 'Content-Length': String(meta.size) });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file).pipe(res);
}

function passThrough(up: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  for (const h of ['content-type', 'content-length', 'content-range', 'etag', 'accept-ranges', 'x-error-code', 'x-error-message']) {
    const v = up.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  res.writeHead(up.status, headers);
  if (!up.body) return Promise.resolve(void res.end());
  return pipeline(Readable.fromWeb(up.body as never), res);
}

/** A connect-style handler for requests under the mount (`/<owner>/<repo>/resolve/<rev>/<file>`). */
export function hubCacheHandler(opts: HubCacheOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const endpoint = hubEndpointOf({ endpoint: opts.endpoint });
  const cred = opts.token?.trim() ? { origin: new URL(endpoint).origin, token: opts.token.trim() } : undefined;
  /** Files revalidated in this run: each is asked about once. */
  const fresh = new Map<string, Promise<boolean>>();
  const downloads = new Map<string, Promise<void>>();

  const paths = (rel: string) => {
    const data = path.join(opts.dir!, ...rel.split('/'));
    return { data, meta: `${data}.steerscope-meta.json` };
  };
  const readMeta = (rel: string): Meta | null => {
    try {
      const { data, meta } = paths(rel);
      const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as Meta;
      if (m.status === 404) return m;
      return fs.statSync(data).size === m.size ? m : null;
    } catch {
      return null;
    }
  };
  const isFresh = (rel: string, url: string, meta: Meta): Promise<boolean> => {
    let p = fresh.get(rel);
    if (!p) {
      p = (async () => {
        if (!meta.etag) return true;
        try {
          const r = await upstream(url, 'HEAD', { 'If-None-Match': meta.etag }, cred);
          if (r.status === 304 || r.status >= 500 || r.status === 401 || r.status === 403) return true;
          const now = r.headers.get('ETag');
          return !(r.ok && now !== null && now !== meta.etag);
        } catch {
          return true; // offline: the kept copy is what there is
        }
      })();
      fresh.set(rel, p);
    }
    return p;
  };
  /** Downloads the whole file to disk (to a .part file, renamed when complete). */
  const download = (rel: string, url: string): Promise<void> => {
    let p = downloads.get(rel);
    if (!p) {
      p = (async () => {
        const up = await upstream(url, 'GET', {}, cred);
        const { data, meta } = paths(rel);
        fs.mkdirSync(path.dirname(data), { recursive: true });
        if (up.status === 404) {
          await up.body?.cancel();
          fs.writeFileSync(meta, JSON.stringify({ status: 404, etag: null, size: 0, contentType: null } satisfies Meta));
          return;
        }
        if (up.status !== 200 || !up.body) {
          await up.body?.cancel();
          throw Object.assign(new Error(`HTTP ${up.status}`), { status: up.status, code: up.headers.get('X-Error-Code') });
        }
        const part = `${data}.${process.pid}.part`;
        await pipeline(Readable.fromWeb(up.body as never), fs.createWriteStream(part));
        fs.renameSync(part, data);
        const m: Meta = { status: 200, etag: up.headers.get('ETag'), size: fs.statSync(data).size, contentType: up.headers.get('Content-Type') };
        fs.writeFileSync(meta, JSON.stringify(m));
      })();
      downloads.set(rel, p);
      p.then(
        () => downloads.delete(rel),
        () => downloads.delete(rel),
      );
    }
    return p;
  };

  return async (req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    if (!/^[\w.-]+\/[\w.-]+\/resolve\/[\w.-]+\/[\w./-]+$/.test(rel) || rel.split('/').includes('..')) {
      return send(res, 404, { 'Content-Type': 'text/plain' }, 'not a hub file path');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { Allow: 'GET, HEAD' });
    const url = `${endpoint}/${rel.split('/').map(encodeURIComponent).join('/')}`;
    try {
      if (opts.dir) {
        const kept = readMeta(rel);
        if (kept && (await isFresh(rel, url, kept))) return serveKept(req, res, paths(rel).data, kept);
        // A byte range of a file not kept yet (a weight file's header) is passed through; a whole file is kept.
        if (!req.headers.range && req.method === 'GET') {
          await download(rel, url);
          return serveKept(req, res, paths(rel).data, readMeta(rel)!);
        }
      }
      const headers: Record<string, string> = req.headers.range ? { Range: req.headers.range } : {};
      await passThrough(await upstream(url, req.method === 'HEAD' ? 'HEAD' : 'GET', headers, cred), res);
    } catch (e) {
      const err = e as Error & { status?: number; code?: string | null };
      if (res.headersSent) return void res.destroy(err);
      const status = err.status ?? 502;
      send(res, status, { 'Content-Type': 'text/plain', ...(err.code ? { 'X-Error-Code': err.code } : {}) }, `${endpoint}: ${err.message}`);
    }
  };
}

/**
 * The CLI's hub options: `--hub-endpoint` or HF_ENDPOINT (default huggingface.co); the token from HF_TOKEN (or
 * HUGGING_FACE_HUB_TOKEN; an environment variable, not a flag, so it stays out of the process list);
 * `--cache-dir` (default defaultHubCacheDir()), `--no-cache` keeps nothing.
 */
export function hubOptionsFrom(flags: Flags, env: NodeJS.ProcessEnv = process.env): HubCacheOptions {
  const endpoint = str(flags, 'hub-endpoint') ?? env.HF_ENDPOINT ?? '';
  hubEndpointOf({ endpoint }); // a bad endpoint fails before the browser starts
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  const cacheDir = str(flags, 'cache-dir');
  const dir = flags['no-cache'] ? null : cacheDir !== undefined ? path.resolve(cacheDir) : defaultHubCacheDir(env);
  return { endpoint, token, dir };
}
