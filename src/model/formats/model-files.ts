/**
 * Where a model's files come from: a URL base (the dev server's /models/<id>/ or the Hugging Face hub), or files the
 * user picked in the page. Every source reads whole small files, byte ranges (safetensors headers) and streams.
 */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

export interface ModelFiles {
  /** Shown to the user and stored in interventions. */
  id: string;
  /** The file's text, or null when the source has no such file. */
  text(name: string): Promise<string | null>;
  /** Bytes [start, end) of a file; the file size too. */
  range(name: string, start: number, end: number): Promise<{ bytes: Uint8Array; size: number }>;
  /** The file from `start` to its end. */
  stream(name: string, start: number): Promise<ReadableStream<Uint8Array>>;
  /** The weight file the user named (`owner/repo/model-q4_0.gguf`, a URL to a .gguf): it, not a folder, is loaded. */
  weightFile?: string;
  /** The folder's file names when the source can list them (a server folder, picked files); null or absent: unknown. */
  list?(): Promise<string[] | null>;
}

/** A JSON file's value, or an error naming the file. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelFileError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A hub id like `HuggingFaceTB/SmolLM2-135M-Instruct` (optionally `@revision`). */
export function isHubId(s: string): boolean {
  return /^[\w.-]+\/[\w.-]+(@[\w.-]+)?$/.test(s);
}

export function hubBaseUrl(id: string): string {
  const [repo, rev] = id.split('@');
  return `https://huggingface.co/${repo}/resolve/${rev ?? 'main'}/`;
}

export const CACHE_NAME = 'steerscope-models';
/** Header on cached copies: the model id (hub id or URL) the file was downloaded for. */
const MODEL_HEADER = 'X-Steerscope-Model';
/** Posted on this channel (page and worker) when a download lands in the cache or a model's files are deleted. */
export const CACHE_CHANNEL = 'steerscope-model-cache';

function announceCacheChange(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const ch = new BroadcastChannel(CACHE_CHANNEL);
  ch.postMessage('changed');
  ch.close();
}

/** Files a model may lack: their absence is cached too. */
const OPTIONAL_FILES = ['tokenizer_config.json', 'model.safetensors.index.json', 'generation_config.json'];

async function cacheMatch(url: string): Promise<Response | undefined> {
  if (typeof caches === 'undefined') return undefined;
  return caches
    .open(CACHE_NAME)
    .then((c) => c.match(url))
    .catch(() => undefined);
}

async function cachedFetch(url: string, init: RequestInit | undefined, useCache: boolean, modelId: string): Promise<Response> {
  const canCache = useCache && typeof caches !== 'undefined' && !init?.headers;
  if (canCache) {
    const hit = await cacheMatch(url);
    if (hit) return hit;
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ModelFileError(`could not fetch ${url}: ${(e as Error).message} (offline, or the server refused the request)`);
  }
  if (canCache && res.status === 404 && OPTIONAL_FILES.some((f) => url.endsWith(`/${f}`))) {
    // Optional files a model lacks (tokenizer_config.json, the shard index): remembered too, so a cached model loads
    // offline. Listed with the model (for deletion) but not as a file.
    const headers = new Headers({ [MODEL_HEADER]: encodeURIComponent(modelId) });
    void caches
      .open(CACHE_NAME)
      .then((c) => c.put(url, new Response(null, { status: 404, headers })))
      .catch(() => undefined);
  }
  if (canCache && res.ok && res.status === 200) {
    const [a, b] = res.body ? res.body.tee() : [null, null];
    if (a && b) {
      const headers = new Headers(res.headers);
      headers.set(MODEL_HEADER, encodeURIComponent(modelId));
      const copy = new Response(b, { headers });
      void caches
        .open(CACHE_NAME)
        .then((c) => c.put(url, copy))
        .then(announceCacheChange, () => undefined);
      return new Response(a, { status: res.status, headers: res.headers });
    }
  }
  return res;
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
  /** Every cache entry of the model (files, and the remembered absence of optional files). */
  urls: string[];
}

/** The downloads kept in the Cache API, grouped by model, largest first. */
export async function listCachedModels(): Promise<CachedModel[]> {
  if (typeof caches === 'undefined') return [];
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
    if (res.status === 404) continue;
    const length = res.headers.has('Content-Encoding') ? NaN : Number(res.headers.get('Content-Length') ?? NaN);
    const bytes = Number.isFinite(length) && length >= 0 ? length : (await res.blob()).size;
    const name = decodeURIComponent(req.url.split('/').pop() ?? req.url);
    m.files.push({ url: req.url, name, bytes });
    m.bytes += bytes;
  }
  for (const m of byId.values()) m.files.sort((a, b) => a.name.localeCompare(b.name));
  return [...byId.values()].filter((m) => m.files.length > 0).sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
}

/** Deletes every cached file of one model; how many were deleted. */
export async function deleteCachedModel(id: string): Promise<number> {
  if (typeof caches === 'undefined') return 0;
  const cache = await caches.open(CACHE_NAME);
  const model = (await listCachedModels()).find((m) => m.id === id);
  let n = 0;
  for (const url of model?.urls ?? []) if ((await cache.delete(url)) && model?.files.some((f) => f.url === url)) n++;
  announceCacheChange();
  return n;
}

/** Files under a URL base (ending in /). `cache` keeps downloads in the Cache API (hub models). */
export function urlModelFiles(id: string, base: string, cache = false): ModelFiles {
  const url = (name: string) => base + name.split('/').map(encodeURIComponent).join('/');
  const sizes = new Map<string, Promise<number>>();
  const fileSize = (name: string): Promise<number> => {
    let p = sizes.get(name);
    if (!p) {
      p = fetch(url(name), { method: 'HEAD' }).then((res) => {
        const n = res.ok && !res.headers.has('Content-Encoding') ? Number(res.headers.get('Content-Length') ?? NaN) : NaN;
        if (!Number.isSafeInteger(n) || n < 0) {
          throw new ModelFileError(`${id}/${name}: the server sent a byte range but not the file's size (no readable Content-Range, and HEAD gave no Content-Length)`);
        }
        return n;
      });
      sizes.set(name, p);
      p.catch(() => sizes.delete(name));
    }
    return p;
  };
  return {
    id,
    async text(name) {
      const res = await cachedFetch(url(name), undefined, cache, id);
      if (res.status === 404) return null;
      if (!res.ok) throw new ModelFileError(`${id}/${name}: HTTP ${res.status}`);
      if ((res.headers.get('Content-Type') ?? '').includes('text/html')) throw new ModelFileError(`${id}/${name}: the server sent a web page, not the file`);
      return res.text();
    },
    async range(name, start, end) {
      // A file downloaded before is read from the cache (headers of a cached model load offline).
      const hit = cache ? await cacheMatch(url(name)) : undefined;
      if (hit?.ok) {
        const blob = await hit.blob();
        return { bytes: new Uint8Array(await blob.slice(start, end).arrayBuffer()), size: blob.size };
      }
      const res = await cachedFetch(url(name), { headers: { Range: `bytes=${start}-${end - 1}` } }, false, id);
      if (res.status === 404) throw new ModelFileError(`${id} has no ${name}`);
      if (res.status === 416) {
        // Range Not Satisfiable: the file is shorter than `start` (an empty file for any range). Read as a short
        // read of the file's size, so the format's reader says what is wrong ("is empty (0 bytes)", "too short").
        const all = /^bytes \*\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '');
        return { bytes: new Uint8Array(0), size: all ? Number(all[1]) : await fileSize(name) };
      }
      if (!res.ok) throw new ModelFileError(`${id}/${name}: HTTP ${res.status}`);
      const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '');
      const buf = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 206) return { bytes: buf.subarray(start, end), size: buf.byteLength }; // the whole file came
      // A CDN may send the range without exposing Content-Range to the page (CORS): the size then comes from a HEAD.
      const size = total ? Number(total[1]) : await fileSize(name);
      return { bytes: buf, size };
    },
    async stream(name, start) {
      const res = await cachedFetch(url(name), undefined, cache, id);
      if (!res.ok || !res.body) throw new ModelFileError(`${id}/${name}: HTTP ${res.status}`);
      return skipBytes(res.body, start);
    },
  };
}

/** Files the user picked (a folder input gives them with webkitRelativePath; the folder prefix is dropped). */
export function pickedModelFiles(id: string, files: File[]): ModelFiles {
  const byName = new Map<string, File>();
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    byName.set(rel.split('/').slice(rel.includes('/') ? 1 : 0).join('/'), f);
  }
  const get = (name: string) => {
    const f = byName.get(name);
    if (!f) throw new ModelFileError(`the folder ${id} has no ${name}`);
    return f;
  };
  // A folder holding one .gguf and no config.json is that GGUF model: its id names the file (folder/file.gguf), which
  // also survives wrappers that pass only the id on.
  const ggufs = [...byName.keys()].filter((n) => /\.gguf$/i.test(n) && !n.includes('/'));
  if (!byName.has('config.json') && ggufs.length === 1 && !/\.gguf$/i.test(id)) id = `${id}/${ggufs[0]}`;
  return {
    id,
    list: async () => [...byName.keys()],
    async text(name) {
      const f = byName.get(name);
      return f ? f.text() : null;
    },
    async range(name, start, end) {
      const f = get(name);
      return { bytes: new Uint8Array(await f.slice(start, end).arrayBuffer()), size: f.size };
    },
    async stream(name, start) {
      return get(name).slice(start).stream() as ReadableStream<Uint8Array>;
    },
  };
}

function skipBytes(stream: ReadableStream<Uint8Array>, skip: number): ReadableStream<Uint8Array> {
  if (skip === 0) return stream;
  let left = skip;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        if (left >= chunk.byteLength) {
          left -= chunk.byteLength;
          return;
        }
        ctl.enqueue(left > 0 ? chunk.subarray(left) : chunk);
        left = 0;
      },
    }),
  );
}
