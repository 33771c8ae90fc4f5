/**
 * Turns what a user or the CLI names into a ModelFiles source:
 * - `https://…/` or `https://…/name` — a folder of files under that URL; `https://…/model.gguf` — that GGUF file;
 * - `owner/name` (optionally `owner/name@revision`) — a Hugging Face hub repo (config.json + safetensors);
 * - `owner/name/file.gguf` (optionally `owner/name@revision/file.gguf`) — one GGUF file of a hub repo, e.g.
 *   `Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf`;
 * - `folder` — a model folder of the dev server (MODELS_DIR or a CLI mount); `folder/file.gguf` — one GGUF file in it.
 */
import { hubBaseUrl, hubCredential, type HubSettings } from './hub.ts';
import { isHubId, ModelFileError, urlModelFiles, type ModelFiles } from './model-files.ts';

const GGUF = /\.gguf$/i;

/** A server folder's listing: GET /models/<folder>/ answers the folder's files as JSON. */
function withServerListing(files: ModelFiles, base: string): ModelFiles {
  let listing: Promise<string[] | null> | null = null;
  return {
    ...files,
    list() {
      listing ??= fetch(base, { cache: 'no-store' })
        .then(async (res) => {
          if (!res.ok || !(res.headers.get('Content-Type') ?? '').includes('json')) return null;
          const body = (await res.json()) as { files?: { name: string }[] };
          return Array.isArray(body.files) ? body.files.map((f) => f.name) : null;
        })
        .catch(() => null);
      return listing;
    },
  };
}

/** `hub`: the hub endpoint and token (default huggingface.co, no token); the token goes only to the endpoint's origin. */
export function resolveModelSource(ref: string, origin: string = globalThis.location?.origin ?? '', hub?: HubSettings): ModelFiles {
  const onHub = () => ({ cache: true, credential: hubCredential(hub) });
  if (/^https?:\/\//.test(ref)) {
    const path = ref.split(/[?#]/)[0];
    if (GGUF.test(path)) {
      const slash = ref.lastIndexOf('/', path.length - 1);
      return { ...urlModelFiles(ref, ref.slice(0, slash + 1), onHub()), weightFile: decodeURIComponent(path.slice(slash + 1)) };
    }
    const base = ref.endsWith('/') ? ref : ref + '/';
    return urlModelFiles(ref, base, onHub());
  }
  const hubFile = /^([\w.-]+\/[\w.-]+(?:@[\w.-]+)?)\/([\w.-]+\.gguf)$/i.exec(ref);
  if (hubFile) return { ...urlModelFiles(ref, hubBaseUrl(hubFile[1], hub), onHub()), weightFile: hubFile[2] };
  const serverFile = /^([\w.-]+)\/([\w.-]+\.gguf)$/i.exec(ref);
  if (serverFile) {
    const base = `${origin}/models/${encodeURIComponent(serverFile[1])}/`;
    return { ...withServerListing(urlModelFiles(ref, base, false), base), weightFile: serverFile[2] };
  }
  if (isHubId(ref)) return urlModelFiles(ref, hubBaseUrl(ref, hub), onHub());
  if (/^[\w.-]+$/.test(ref)) {
    const base = `${origin}/models/${encodeURIComponent(ref)}/`;
    return withServerListing(urlModelFiles(ref, base, false), base);
  }
  throw new ModelFileError(
    `"${ref}" is neither a model folder (folder, folder/file.gguf), a Hugging Face repo (owner/name, owner/name/file.gguf) nor a URL`,
  );
}
