// The CLI's disk cache of hub files, against the local hub simulator (302 to a second origin, ETags, a gated repo).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubSimulator, type HubSimulator } from '../e2e/fixtures/hub-simulator.ts';
import { defaultHubCacheDir, hubCacheHandler, type HubCacheOptions } from './hub-cache.ts';

const STORIES = path.resolve(process.env.SHARED_DIR ?? '../shared', 'models/stories260K');
const TOKEN = 'hf_cli_test';
let sim: HubSimulator;
let dir: string;
const servers: http.Server[] = [];

beforeAll(async () => {
  sim = await startHubSimulator({ 'test/s': { dir: STORIES }, 'gated/s': { dir: STORIES, token: TOKEN } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-hub-'));
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
});

/** One CLI run: a fresh handler (nothing remembered in memory) on the same disk cache. */
async function run(opts: Partial<HubCacheOptions> = {}): Promise<string> {
  const handle = hubCacheHandler({ endpoint: sim.endpoint, dir, ...opts });
  const server = http.createServer((req, res) => void handle(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const weights = fs.readFileSync(path.join(STORIES, 'model.safetensors'));

describe('the CLI hub cache', () => {
  it('downloads through the redirect once, then serves whole files and ranges from disk, revalidated by ETag', async () => {
    sim.log.length = 0;
    let base = await run();
    const r1 = await fetch(`${base}/test/s/resolve/main/model.safetensors`, { headers: { Range: 'bytes=0-7' } });
    expect(r1.status).toBe(206);
    expect(Buffer.from(await r1.arrayBuffer())).toEqual(weights.subarray(0, 8));
    const whole = await fetch(`${base}/test/s/resolve/main/model.safetensors`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(weights)).toBe(true); // (toEqual on 1 MB takes seconds)
    expect(await (await fetch(`${base}/test/s/resolve/main/config.json`)).json()).toEqual(JSON.parse(fs.readFileSync(path.join(STORIES, 'config.json'), 'utf8')));
    expect((await fetch(`${base}/test/s/resolve/main/model.safetensors.index.json`)).status).toBe(404);
    expect(sim.log.filter((r) => r.server === 'cdn' && r.method === 'GET').map((r) => r.status)).toEqual([206, 200]);

    // Next run: one HEAD with If-None-Match per file (304), no body from the hub.
    sim.log.length = 0;
    base = await run();
    const r2 = await fetch(`${base}/test/s/resolve/main/model.safetensors`, { headers: { Range: 'bytes=8-15' } });
    expect(r2.headers.get('Content-Range')).toBe(`bytes 8-15/${weights.byteLength}`);
    expect(Buffer.from(await r2.arrayBuffer())).toEqual(weights.subarray(8, 16));
    expect(Buffer.from(await (await fetch(`${base}/test/s/resolve/main/model.safetensors`)).arrayBuffer()).equals(weights)).toBe(true);
    expect((await fetch(`${base}/test/s/resolve/main/model.safetensors.index.json`)).status).toBe(404);
    expect(sim.log.filter((r) => r.method === 'GET')).toEqual([]);
    expect(sim.log.filter((r) => r.server === 'cdn').map((r) => `${r.method} ${r.status} ${r.ifNoneMatch !== null}`)).toEqual(['HEAD 304 true']);

    // Changed on the hub: downloaded again. Offline: the disk copy.
    sim.switches.version++;
    sim.log.length = 0;
    base = await run();
    expect(Buffer.from(await (await fetch(`${base}/test/s/resolve/main/model.safetensors`)).arrayBuffer()).equals(weights)).toBe(true);
    expect(sim.log.filter((r) => r.server === 'cdn' && r.method === 'GET').map((r) => r.status)).toEqual([200]);
    await sim.close(); // offline
    base = await run();
    const off = await fetch(`${base}/test/s/resolve/main/model.safetensors`, { headers: { Range: 'bytes=0-3' } });
    expect(off.status).toBe(206);
    expect(Buffer.from(await off.arrayBuffer())).toEqual(weights.subarray(0, 4));
    expect((await fetch(`${base}/test/s/resolve/main/tokenizer.json`)).status).toBe(502); // never kept: says the hub is unreachable
    sim = await startHubSimulator({ 'test/s': { dir: STORIES }, 'gated/s': { dir: STORIES, token: TOKEN } });
  });

  it('sends the token to the hub only, and passes a 401 on', async () => {
    sim.log.length = 0;
    let base = await run({ dir: null });
    expect((await fetch(`${base}/gated/s/resolve/main/config.json`)).status).toBe(401);
    base = await run({ dir: null, token: TOKEN });
    const r = await fetch(`${base}/gated/s/resolve/main/model.safetensors`, { headers: { Range: 'bytes=0-7' } });
    expect(r.status).toBe(206);
    const hub = sim.log.filter((x) => x.server === 'hub' && x.authorization !== null);
    const cdn = sim.log.filter((x) => x.server === 'cdn');
    expect(hub.length).toBe(1);
    expect(cdn.length).toBe(1);
    expect(cdn[0].authorization).toBeNull();
  });

  it('keeps its files under XDG_CACHE_HOME or STEERSCOPE_CACHE_DIR', () => {
    expect(defaultHubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/steerscope/hub');
    expect(defaultHubCacheDir({ STEERSCOPE_CACHE_DIR: '/y/c' })).toBe('/y/c');
  });
});
