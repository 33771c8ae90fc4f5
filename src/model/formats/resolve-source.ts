/** Turns what a user or the CLI names (a folder the dev server serves, a hub id, a URL) into a ModelFiles source. */
import { hubBaseUrl, isHubId, urlModelFiles, type ModelFiles } from './model-files.ts';

export function resolveModelSource(ref: string, origin: string = globalThis.location?.origin ?? ''): ModelFiles {
  if (/^https?:\/\//.test(ref)) {
    const base = ref.endsWith('/') ? ref : ref + '/';
    return urlModelFiles(ref, base, true);
  }
  if (isHubId(ref)) return urlModelFiles(ref, hubBaseUrl(ref), true);
  if (/^[\w.-]+$/.test(ref)) return urlModelFiles(ref, `${origin}/models/${encodeURIComponent(ref)}/`, false);
  throw new Error(`"${ref}" is neither a model folder, a Hugging Face id (owner/name) nor a URL`);
}
