/**
 * Downloads kept in the browser's Cache API: whole files, byte ranges read on their own (weight-file headers), and the
 * remembered absence of optional files. Every entry is tagged with the model it was downloaded for. A write that fails
 * (the storage quota) is announced on CACHE_CHANNEL, not swallowed: the page shows what was not kept.
 */
export const CACHE_NAME = 'steerscope-models';
/** Header on cached copies: the model id (hub id or URL) the file was downloaded for. */
export const MODEL_HEADER = 'X-Steerscope-Model';
/** Header on a cached byte range: the whole file's size (the entry's key names the range). */
const RANGE_SIZE_HEADER = 'X-Steerscope-Range-Of-Size';
/** Posted on this channel (page and worker) when a download lands in the cache, a model's files are deleted, or a write fails. */
export const CACHE_CHANNEL = 'steerscope-model-cache';

/** Announced when a file could not be kept (it loaded anyway; it downloads again next time). */
export interface CacheFailure {
  type: 'cache-failed';
  model: string;
  file: string;
  /** e.g. "QuotaExceededError: …" */
  reason: string;
}

export function isCacheFailure(x: unknown): x is CacheFailure {
  return typeof x === 'object' && x !== null && (x as CacheFailure).type === 'cache-failed';
}

function announce(msg: 'changed' | CacheFailure): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const ch = new BroadcastChannel(CACHE_CHANNEL);
  ch.postMessage(msg);
  ch.close();
}

export function announceCacheChange(): void {
  announce('changed');
}

export const hasCache = (): boolean => typeof caches !== 'undefined';

export async function cacheMatch(key: string): Promise<Response | undefined> {
  if (!hasCache()) return undefined;
  return caches
    .open(CACHE_NAME)
    .then((c) => c.match(key))
    .catch(() => undefined);
}

function errorText(e: unknown): string {
  if (e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException)) return `${(e as Error).name}: ${(e as Error).message}`;
  return String(e);
}

/** Stores `res` under `key` tagged with `modelId`; a failure is announced (and resolves, never rejects). */
export async function cachePut(key: string, res: Response, modelId: string, file: string, extra: Record<string, string> = {}): Promise<boolean> {
  const headers = new Headers(res.headers);
  headers.set(MODEL_HEADER, encodeURIComponent(modelId));
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  const copy = new Response(res.body, { status: res.status, headers });
  try {
    const c = await caches.open(CACHE_NAME);
    await c.put(key, copy);
    announceCacheChange();
    return true;
  } catch (e) {
    announce({ type: 'cache-failed', model: modelId, file, reason: errorText(e) });
    return false;
  }
}

/** The cache key of bytes [start, end) of `url`. */
export function rangeKey(url: string, start: number, end: number): string {
  return `${url}${url.includes('?') ? '&' : '?'}steerscope-range=${start}-${end}`;
}

export async function cachedRange(url: string, start: number, end: number): Promise<{ bytes: Uint8Array; size: number } | undefined> {
  const hit = await cacheMatch(rangeKey(url, start, end));
  const size = Number(hit?.headers.get(RANGE_SIZE_HEADER));
  if (!hit?.ok || !Number.isSafeInteger(size)) return undefined;
  return { bytes: new Uint8Array(await hit.arrayBuffer()), size };
}

export function putRange(url: string, start: number, end: number, bytes: Uint8Array, size: number, etag: string | null, modelId: string, file: string): Promise<boolean> {
  const headers: Record<string, string> = { 'Content-Length': String(bytes.byteLength) };
  if (etag) headers.ETag = etag;
  return cachePut(rangeKey(url, start, end), new Response(bytes.slice(), { headers }), modelId, `${file} (bytes ${start}-${end - 1})`, { [RANGE_SIZE_HEADER]: String(size) });
}

/** Deletes the cached copy of `url` and every cached range of it (the file changed on the server). */
export async function forgetUrl(url: string): Promise<void> {
  if (!hasCache()) return;
  const c = await caches.open(CACHE_NAME);
  const prefix = rangeKey(url, 0, 0).replace(/0-0$/, '');
  for (const req of await c.keys()) if (req.url === url || req.url.startsWith(prefix)) await c.delete(req);
  announceCacheChange();
}

export interface CachedFile {
  url: string;
  /** The file's name under its model's base URL. */
  name: string;
  bytes: number;
}

export interface CachedModel {
  /** The model id it was downloaded as (hub id or URL). */
  id: string;
  files: CachedFile[];
  bytes: number;
  /** Every cache entry of the model (files, byte ranges, and the remembered absence of optional files). */
  urls: string[];
}

/** The downloads kept in the Cache API, grouped by model, largest first. */
export async function listCachedModels(): Promise<CachedModel[]> {
  if (!hasCache()) return [];
  const cache = await caches.open(CACHE_NAME);
  const byId = new Map<string, CachedModel>();
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    if (!res) continue;
    const tagged = res.headers.get(MODEL_HEADER);
    const id = tagged ? decodeURIComponent(tagged) : req.url.slice(0, req.url.lastIndexOf('/') + 1);
    const m = byId.get(id) ?? { id, files: [], bytes: 0, urls: [] };
    byId.set(id, m);
    m.urls.push(req.url);
    if (res.status === 404 || res.headers.has(RANGE_SIZE_HEADER)) continue;
    const length = res.headers.has('Content-Encoding') ? NaN : Number(res.headers.get('Content-Length') ?? NaN);
    const bytes = Number.isFinite(length) && length >= 0 ? length : (await res.blob()).size;
    const name = decodeURIComponent(req.url.split('/').pop() ?? req.url);
    m.files.push({ url: req.url, name, bytes });
    m.bytes += bytes;
  }
  for (const m of byId.values()) m.files.sort((a, b) => a.name.localeCompare(b.name));
  return [...byId.values()].filter((m) => m.files.length > 0).sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
}

/** Deletes every cached entry of one model; how many of its files were deleted. */
export async function deleteCachedModel(id: string): Promise<number> {
  if (!hasCache()) return 0;
  const cache = await caches.open(CACHE_NAME);
  const all = new Map<string, CachedModel>();
  // Range-only models are not listed (no files) but their entries go too.
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    const tagged = res?.headers.get(MODEL_HEADER);
    if (tagged && decodeURIComponent(tagged) === id) {
      const m = all.get(id) ?? { id, files: [], bytes: 0, urls: [] };
      m.urls.push(req.url);
      all.set(id, m);
    }
  }
  const listed = (await listCachedModels()).find((m) => m.id === id);
  let n = 0;
  const urls = new Set([...(all.get(id)?.urls ?? []), ...(listed?.urls ?? [])]);
  for (const url of urls) if ((await cache.delete(url)) && listed?.files.some((f) => f.url === url)) n++;
  announceCacheChange();
  return n;
}
