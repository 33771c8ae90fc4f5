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
}

/** A hub id like `HuggingFaceTB/SmolLM2-135M-Instruct` (optionally `@revision`). */
export function isHubId(s: string): boolean {
  return /^[\w.-]+\/[\w.-]+(@[\w.-]+)?$/.test(s);
}

export function hubBaseUrl(id: string): string {
  const [repo, rev] = id.split('@');
  return `https://huggingface.co/${repo}/resolve/${rev ?? 'main'}/`;
}

const CACHE_NAME = 'steerscope-models';

async function cachedFetch(url: string, init: RequestInit | undefined, useCache: boolean): Promise<Response> {
  const canCache = useCache && typeof caches !== 'undefined' && !init?.headers;
  if (canCache) {
    const hit = await caches.open(CACHE_NAME).then((c) => c.match(url)).catch(() => undefined);
    if (hit) return hit;
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ModelFileError(`could not fetch ${url}: ${(e as Error).message} (offline, or the server refused the request)`);
  }
  if (canCache && res.ok && res.status === 200) {
    const [a, b] = res.body ? res.body.tee() : [null, null];
    if (a && b) {
      const copy = new Response(b, { headers: res.headers });
      void caches.open(CACHE_NAME).then((c) => c.put(url, copy)).catch(() => undefined);
      return new Response(a, { status: res.status, headers: res.headers });
    }
  }
  return res;
}

/** Files under a URL base (ending in /). `cache` keeps downloads in the Cache API (hub models). */
export function urlModelFiles(id: string, base: string, cache = false): ModelFiles {
  const url = (name: string) => base + name.split('/').map(encodeURIComponent).join('/');
  return {
    id,
    async text(name) {
      const res = await cachedFetch(url(name), undefined, cache);
      if (res.status === 404) return null;
      if (!res.ok) throw new ModelFileError(`${id}/${name}: HTTP ${res.status}`);
      if ((res.headers.get('Content-Type') ?? '').includes('text/html')) throw new ModelFileError(`${id}/${name}: the server sent a web page, not the file`);
      return res.text();
    },
    async range(name, start, end) {
      const res = await cachedFetch(url(name), { headers: { Range: `bytes=${start}-${end - 1}` } }, false);
      if (res.status === 404) throw new ModelFileError(`${id} has no ${name}`);
      if (!res.ok) throw new ModelFileError(`${id}/${name}: HTTP ${res.status}`);
      const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '');
      const buf = new Uint8Array(await res.arrayBuffer());
      const size = total ? Number(total[1]) : buf.byteLength;
      return { bytes: res.status === 206 ? buf : buf.subarray(start, end), size };
    },
    async stream(name, start) {
      const res = await cachedFetch(url(name), undefined, cache);
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
  return {
    id,
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
