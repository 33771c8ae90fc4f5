/**
 * The Hugging Face hub as a setting: which server answers `<endpoint>/<owner>/<repo>/resolve/<revision>/<file>`
 * (huggingface.co, a mirror, or a local simulator in tests) and an optional access token for gated or private repos.
 * The token is sent as `Authorization: Bearer …` only to the endpoint's own origin (model-files.ts); it is never put
 * in a URL, a cache key or a message.
 */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  /** An http(s) origin, optionally with a path prefix (a mirror under /hf); no trailing slash needed. */
  endpoint: string;
  /** An access token (`hf_…`), or empty. */
  token?: string;
}

/** The endpoint without a trailing slash, or a message on why it is not one. */
export function checkHubEndpoint(s: string): { ok: true; endpoint: string } | { ok: false; message: string } {
  const text = s.trim() || DEFAULT_HUB_ENDPOINT;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, message: `“${text}” is not a URL (e.g. ${DEFAULT_HUB_ENDPOINT}).` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { ok: false, message: `The hub endpoint must be an http(s) URL, not ${u.protocol}.` };
  if (u.search || u.hash || u.username || u.password) return { ok: false, message: 'The hub endpoint is a plain URL: no query, fragment or user name.' };
  return { ok: true, endpoint: (u.origin + u.pathname).replace(/\/+$/, '') };
}

export function hubEndpointOf(hub: HubSettings | undefined): string {
  const c = checkHubEndpoint(hub?.endpoint ?? '');
  if (!c.ok) throw new Error(c.message);
  return c.endpoint;
}

/** `owner/repo` or `owner/repo@revision` → the folder URL its files are read from (ending in /). */
export function hubBaseUrl(id: string, hub?: HubSettings): string {
  const [repo, rev] = id.split('@');
  return `${hubEndpointOf(hub)}/${repo}/resolve/${rev ?? 'main'}/`;
}

/** Who gets the token: the endpoint's origin only (a redirect to a CDN on another origin does not). */
export interface Credential {
  origin: string;
  token: string;
}

export function hubCredential(hub: HubSettings | undefined): Credential | undefined {
  const token = hub?.token?.trim();
  if (!token) return undefined;
  return { origin: new URL(hubEndpointOf(hub)).origin, token };
}

/** Headers for a request to `url`: `init` plus the token when `url` is on the credential's origin. */
export function withCredential(url: string, headers: Record<string, string>, cred: Credential | undefined): Record<string, string> {
  if (!cred) return headers;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return headers;
  }
  return origin === cred.origin ? { ...headers, Authorization: `Bearer ${cred.token}` } : headers;
}

/** What an HTTP failure means for a model file, in words (the hub answers 401 for gated and private repos). */
export function httpProblem(where: string, status: number, hasToken: boolean): string {
  if (status === 401) {
    return hasToken
      ? `${where}: HTTP 401, the hub refused the access token (check it under Hub settings; it may have expired).`
      : `${where}: HTTP 401, this repo is gated or private: set an access token under Hub settings (or HF_TOKEN for the CLI).`;
  }
  if (status === 403) return `${where}: HTTP 403, the access token may not read this repo (for a gated repo, accept its terms on the hub first).`;
  if (status === 416) return `${where}: HTTP 416, the server refused the byte range asked for.`;
  return `${where}: HTTP ${status}`;
}
