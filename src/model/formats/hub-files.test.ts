// The hub as it behaves: endpoint setting, the token's one origin, servers that ignore Range, the download cache
// (ranges too), ETag revalidation and a cache write that fails. fetch and the Cache API are stubbed by hand.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CACHE_CHANNEL, isCacheFailure, type CacheFailure } from './download-cache.ts';
import { checkHubEndpoint, hubBaseUrl, withCredential } from './hub.ts';
import { urlModelFiles } from './model-files.ts';
import { resolveModelSource } from './resolve-source.ts';

afterEach(() => vi.unstubAllGlobals());

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
}

function stubFetch(answer: (s: Seen) => Response): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (u: string, init?: RequestInit) => {
    const s = { url: u, method: init?.method ?? 'GET', headers: Object.fromEntries(new Headers(init?.headers).entries()) };
    seen.push(s);
    return answer(s);
  });
  return seen;
}

/** A Cache API in memory; `failPut` makes every write fail as a full quota does. */
function stubCaches(failPut = false): Map<string, Response> {
  const store = new Map<string, Response>();
  const cache = {
    async match(k: string) {
      return store.get(k)?.clone();
    },
    async put(k: string, r: Response) {
      const body = await r.arrayBuffer(); // a real put reads the whole body before it fails
      if (failPut) throw new DOMException('the quota is used up', 'QuotaExceededError');
      store.set(k, new Response(r.status === 404 ? null : body, { status: r.status, headers: r.headers }));
    },
    async keys() {
      return [...store.keys()].map((url) => ({ url }));
    },
    async delete(k: string | { url: string }) {
      return store.delete(typeof k === 'string' ? k : k.url);
    },
  };
  vi.stubGlobal('caches', { open: async () => cache });
  return store;
}

const file = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);

describe('the hub endpoint and token', () => {
  it('builds file URLs on the endpoint (a mirror with a path prefix too)', () => {
    expect(hubBaseUrl('o/r')).toBe('https://huggingface.co/o/r/resolve/main/');
    expect(hubBaseUrl('o/r@v2', { endpoint: 'http://127.0.0.1:9/hf/' })).toBe('http://127.0.0.1:9/hf/o/r/resolve/v2/');
    expect(checkHubEndpoint('ftp://x')).toMatchObject({ ok: false });
    expect(checkHubEndpoint('not a url')).toMatchObject({ ok: false });
    expect(checkHubEndpoint('')).toEqual({ ok: true, endpoint: 'https://huggingface.co' });
  });

  it('sends the token to the endpoint origin only', async () => {
    const cred = { origin: 'https://mirror.example', token: 'hf_secret' };
    expect(withCredential('https://mirror.example/o/r/resolve/main/x', {}, cred)).toEqual({ Authorization: 'Bearer hf_secret' });
    expect(withCredential('https://cdn.example/x', { Range: 'bytes=0-1' }, cred)).toEqual({ Range: 'bytes=0-1' });
    const seen = stubFetch(() => new Response('{}', { headers: { 'Content-Type': 'application/json' } }));
    const hub = { endpoint: 'https://mirror.example', token: 'hf_secret' };
    await resolveModelSource('o/r', 'http://dev', hub).text('config.json');
    await resolveModelSource('https://elsewhere.example/m/', 'http://dev', hub).text('config.json');
    await resolveModelSource('https://mirror.example/o/r/resolve/main/m.gguf', 'http://dev', hub).text('config.json');
    expect(seen.map((s) => [s.url, s.headers.authorization ?? null])).toEqual([
      ['https://mirror.example/o/r/resolve/main/config.json', 'Bearer hf_secret'],
      ['https://elsewhere.example/m/config.json', null],
      ['https://mirror.example/o/r/resolve/main/config.json', 'Bearer hf_secret'],
    ]);
  });

  it('says a 401 means a gated or private repo, and what to do; the token is not in the message', async () => {
    stubFetch(() => new Response('{"error":"Access to model o/r is restricted."}', { status: 401 }));
    await expect(resolveModelSource('o/r', '').text('config.json')).rejects.toThrow(/HTTP 401, this repo is gated or private: set an access token/);
    const e = await resolveModelSource('o/r', '', { endpoint: 'https://huggingface.co', token: 'hf_secret' })
      .text('config.json')
      .catch((x: Error) => x.message);
    expect(e).toMatch(/refused the access token/);
    expect(e).not.toContain('hf_secret');
  });
});

describe('byte ranges from servers as they are', () => {
  it('a server that ignores Range (HTTP 200, whole file): the bytes asked for, the size from Content-Length', async () => {
    let cancelled = false;
    stubFetch(() => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= file.byteLength) return c.close();
          c.enqueue(file.slice(sent, sent + 100));
          sent += 100;
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { status: 200, headers: { 'Content-Length': '1000' } });
    });
    const r = await urlModelFiles('m', 'https://cdn.example/m/').range('model.safetensors', 250, 260);
    expect(r.size).toBe(1000);
    expect([...r.bytes]).toEqual([...file.slice(250, 260)]);
    expect(cancelled).toBe(true); // it stopped reading after byte 260
  });

  it('a short 206 is an error that says what came', async () => {
    stubFetch(() => new Response(file.slice(0, 4), { status: 206, headers: { 'Content-Range': 'bytes 0-3/1000' } }));
    await expect(urlModelFiles('m', 'https://cdn.example/m/').range('x.gguf', 0, 8)).rejects.toThrow(/asked for 8 bytes from 0, the server sent 4/);
  });
});

describe('the download cache', () => {
  const ranged = (s: Seen, etag: string) => {
    const m = /bytes=(\d+)-(\d+)/.exec(s.headers.range ?? '');
    if (s.method === 'HEAD') return new Response(null, { status: s.headers['if-none-match'] === etag ? 304 : 200, headers: { ETag: etag, 'Content-Length': '1000' } });
    if (!m) return new Response(file, { headers: { ETag: etag, 'Content-Length': '1000' } });
    return new Response(file.slice(Number(m[1]), Number(m[2]) + 1), { status: 206, headers: { ETag: etag, 'Content-Range': `bytes ${m[1]}-${m[2]}/1000` } });
  };

  it('keeps header ranges, revalidates them by ETag, and refetches when the ETag changed', async () => {
    stubCaches();
    let etag = '"v1"';
    const seen = stubFetch((s) => ranged(s, etag));
    const a = await urlModelFiles('m', 'https://hub.example/m/', true).range('w.safetensors', 0, 8);
    await new Promise((r) => setTimeout(r, 0)); // the cache write
    const b = await urlModelFiles('m', 'https://hub.example/m/', true).range('w.safetensors', 0, 8);
    expect([...b.bytes]).toEqual([...a.bytes]);
    expect(b.size).toBe(1000);
    expect(seen.map((s) => `${s.method} ${s.headers.range ?? ''} ${s.headers['if-none-match'] ?? ''}`.trim())).toEqual(['GET bytes=0-7', 'HEAD  "v1"']);
    etag = '"v2"';
    seen.length = 0;
    await urlModelFiles('m', 'https://hub.example/m/', true).range('w.safetensors', 0, 8);
    expect(seen.map((s) => `${s.method} ${s.headers.range ?? ''}`.trim())).toEqual(['HEAD', 'GET bytes=0-7']);
  });

  it('a whole file is read from the cache after one download, offline too', async () => {
    const store = stubCaches();
    const seen = stubFetch((s) => ranged(s, '"v1"'));
    const s1 = await urlModelFiles('m', 'https://hub.example/m/', true).stream('w.safetensors', 0);
    expect((await new Response(s1).arrayBuffer()).byteLength).toBe(1000);
    await new Promise((r) => setTimeout(r, 0));
    expect(store.has('https://hub.example/m/w.safetensors')).toBe(true);
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const r = await urlModelFiles('m', 'https://hub.example/m/', true).range('w.safetensors', 10, 20);
    expect([...r.bytes]).toEqual([...file.slice(10, 20)]);
    expect(seen.length).toBe(1);
  });

  it('a write that fails (quota) is announced, and the load still gets its bytes', async () => {
    stubCaches(true);
    stubFetch((s) => ranged(s, '"v1"'));
    const ch = new BroadcastChannel(CACHE_CHANNEL);
    const got: CacheFailure[] = [];
    ch.onmessage = (e: MessageEvent<unknown>) => {
      if (isCacheFailure(e.data)) got.push(e.data);
    };
    const s = await urlModelFiles('o/r', 'https://hub.example/m/', true).stream('w.safetensors', 0);
    expect((await new Response(s).arrayBuffer()).byteLength).toBe(1000);
    await vi.waitFor(() => expect(got.length).toBe(1));
    ch.close();
    expect(got[0]).toMatchObject({ model: 'o/r', file: 'w.safetensors' });
    expect(got[0].reason).toMatch(/^QuotaExceededError: the quota is used up/);
  });
});
