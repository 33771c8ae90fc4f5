import { cachedRange, cacheMatch, cachePut, forgetUrl, hasCache, putRange, rangeKey } from './download-cache.ts';
import { httpProblem, withCredential, type Credential } from './hub.ts';

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

export { hubBaseUrl } from './hub.ts';
export { CACHE_CHANNEL, CACHE_NAME, deleteCachedModel, listCachedModels, type CachedFile, type CachedModel } from './download-cache.ts';

/** Files a model may lack: their absence is cached too. */
const OPTIONAL_FILES = ['tokenizer_config.json', 'model.safetensors.index.json', 'generation_config.json'];

const online = (): boolean => typeof navigator === 'undefined' || navigator.onLine !== false;

export interface UrlFilesOptions {
  /** Keep downloads in the Cache API (hub models and URLs), revalidated by ETag when online. */
  cache?: boolean;
  /** The access token and the one origin it is sent to. */
  credential?: Credential;
}

/** Reads at most `limit` bytes of a body, then cancels the rest (a server that ignored a Range request). */
async function readPrefix(body: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  let complete = false;
  for (;;) {
    if (n >= limit) break;
    const { done, value } = await reader.read();
    if (done) {
      complete = true;
      break;
    }
    parts.push(value);
    n += value.byteLength;
  }
  if (!complete) await reader.cancel().catch(() => undefined);
  const bytes = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.byteLength;
  }
  return { bytes, complete };
}

function lengthOf(res: Response): number {
  const n = res.headers.has('Content-Encoding') ? NaN : Number(res.headers.get('Content-Length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
}

/**
 * Files under a URL base (ending in /). With `cache`, downloads are kept in the Cache API; a cached file is
 * revalidated once per source when online (If-None-Match on its ETag: 304 keeps it, a changed ETag drops it).
 */
export function urlModelFiles(id: string, base: string, opts: boolean | UrlFilesOptions = false): ModelFiles {
  const { cache = false, credential } = typeof opts === 'boolean' ? { cache: opts } : opts;
  const useCache = cache && hasCache();
  const url = (name: string) => base + name.split('/').map(encodeURIComponent).join('/');
  const send = async (u: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> => {
    try {
      return await fetch(u, { ...init, headers: withCredential(u, init.headers ?? {}, credential) });
    } catch (e) {
      throw new ModelFileError(`could not fetch ${u}: ${(e as Error).message} (offline, or the server refused the request)`);
    }
  };
  const problem = (name: string, status: number) => new ModelFileError(httpProblem(`${id}/${name}`, status, credential !== undefined));

  /** Once per source and cache entry: is the cached copy still the server's file? A stale one is deleted. */
  const checked = new Map<string, Promise<void>>();
  const revalidate = (u: string, key: string): Promise<void> => {
    let p = checked.get(key);
    if (!p) {
      p = (async () => {
        const hit = await cacheMatch(key);
        const etag = hit?.ok ? hit.headers.get('ETag') : null;
        if (!etag || !online()) return;
        let res: Response;
        try {
          res = await fetch(u, { method: 'HEAD', headers: withCredential(u, { 'If-None-Match': etag }, credential) });
        } catch {
          return; // offline after all: the cached copy is what there is
        }
        if (res.status === 304 || !res.ok) return;
        const now = res.headers.get('ETag');
        if (now !== null && now !== etag) await forgetUrl(u);
      })();
      checked.set(key, p);
    }
    return p;
  };
  const cachedWhole = async (name: string): Promise<Response | undefined> => {
    if (!useCache) return undefined;
    await revalidate(url(name), url(name));
    return cacheMatch(url(name));
  };

  /** A GET of a whole file, kept in the cache as it streams past. */
  const getWhole = async (name: string): Promise<Response> => {
    const u = url(name);
    const hit = await cachedWhole(name);
    if (hit) return hit;
    const res = await send(u);
    if (useCache && res.status === 404 && OPTIONAL_FILES.includes(name)) {
      // Optional files a model lacks: remembered too, so a cached model loads offline. Listed with the model (for
      // deletion) but not as a file.
      void cachePut(u, new Response(null, { status: 404 }), id, name);
    }
    if (useCache && res.status === 200 && res.body) {
      const [a, b] = res.body.tee();
      void cachePut(u, new Response(b, { headers: res.headers }), id, name);
      return new Response(a, { status: res.status, headers: res.headers });
    }
    return res;
  };

  const sizes = new Map<string, Promise<number>>();
  const fileSize = (name: string, answered: 206 | 416 = 206): Promise<number> => {
    let p = sizes.get(name);
    if (!p) {
      p = send(url(name), { method: 'HEAD' }).then((res) => {
        const n = res.ok ? lengthOf(res) : NaN;
        if (!Number.isSafeInteger(n)) {
          throw new ModelFileError(
            `${id}/${name}: the server answered the byte range with HTTP ${answered} but did not let the page read Content-Range (CORS: not in Access-Control-Expose-Headers), and HEAD gave no Content-Length${res.ok ? '' : ` (HTTP ${res.status})`}, so the file's size is unknown`,
          );
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
      const res = await getWhole(name);
      if (res.status === 404) return null;
      if (!res.ok) throw problem(name, res.status);
      if ((res.headers.get('Content-Type') ?? '').includes('text/html')) throw new ModelFileError(`${id}/${name}: the server sent a web page, not the file`);
      return res.text();
    },
    async range(name, start, end) {
      const u = url(name);
      // A file downloaded before (or this very range) is read from the cache: headers of a cached model load offline.
      const hit = await cachedWhole(name);
      if (hit?.ok) {
        const blob = await hit.blob();
        return { bytes: new Uint8Array(await blob.slice(start, end).arrayBuffer()), size: blob.size };
      }
      if (useCache) {
        await revalidate(u, rangeKey(u, start, end));
        const r = await cachedRange(u, start, end);
        if (r) return r;
      }
      const res = await send(u, { headers: { Range: `bytes=${start}-${end - 1}` } });
      if (res.status === 404) throw new ModelFileError(`${id} has no ${name}`);
      if (res.status === 416) {
        // Range Not Satisfiable: the file is shorter than `start` (an empty file for any range). Read as a short
        // read of the file's size, so the format's reader says what is wrong ("is empty (0 bytes)", "too short").
        const all = /^bytes \*\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '');
        return { bytes: new Uint8Array(0), size: all ? Number(all[1]) : await fileSize(name, 416) };
      }
      if (!res.ok) throw problem(name, res.status);
      let out: { bytes: Uint8Array; size: number };
      if (res.status === 200) {
        // The server ignored Range and sends the whole file: read what is needed and stop.
        const length = lengthOf(res);
        const { bytes, complete } = res.body ? await readPrefix(res.body, end) : { bytes: new Uint8Array(), complete: true };
        const size = complete ? bytes.byteLength : length;
        if (!Number.isSafeInteger(size)) throw new ModelFileError(`${id}/${name}: the server ignored the byte range (HTTP 200) and gave no Content-Length, so the file's size is unknown`);
        out = { bytes: bytes.slice(start, Math.min(end, bytes.byteLength)), size };
      } else if (res.status === 206) {
        const buf = new Uint8Array(await res.arrayBuffer());
        const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('Content-Range')?.trim() ?? '');
        if (cr && Number(cr[1]) !== start) {
          throw new ModelFileError(`${id}/${name}: asked for bytes from ${start}, the server sent ${res.headers.get('Content-Range')}`);
        }
        // A CDN may send the range without exposing Content-Range to the page (CORS): the size then comes from a HEAD.
        const size = cr && cr[3] !== '*' ? Number(cr[3]) : await fileSize(name);
        const want = Math.max(0, Math.min(end, size) - start);
        if (buf.byteLength < want) throw new ModelFileError(`${id}/${name}: asked for ${want} bytes from ${start}, the server sent ${buf.byteLength}`);
        out = { bytes: buf.subarray(0, want), size };
      } else {
        throw new ModelFileError(`${id}/${name}: the server answered a byte-range request with HTTP ${res.status}`);
      }
      if (useCache) void putRange(u, start, end, out.bytes, out.size, res.headers.get('ETag'), id, name);
      return out;
    },
    async stream(name, start) {
      const res = await getWhole(name);
      if (res.status === 404) throw new ModelFileError(`${id} has no ${name}`);
      if (!res.ok || !res.body) throw problem(name, res.status);
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
