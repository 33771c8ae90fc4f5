// Vite plugin (build only): puts a Content-Security-Policy <meta> first in the built index.html.
// Scripts: only the app's own files ('self'); no inline scripts, no eval. 'wasm-unsafe-eval' lets WebAssembly be
// compiled: onnxruntime-web's, which the text classifier scorer runs (the engine itself runs on WebGPU; the tokenizer
// and chat templates are plain JavaScript); it allows no JavaScript eval. Network: the page's own origin, plus the Hugging Face hub,
// from which a user may choose to download a model (hub ids and URLs on the model panel).
import type { Plugin } from 'vite';

export const HUB_ORIGINS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/**
 * Extra origins a build may connect to, for a hub mirror set as the app's hub endpoint (and the storage it redirects
 * to): STEERSCOPE_HUB_ORIGINS, comma-separated (`https://hf-mirror.example,https://cdn.hf-mirror.example`). Anything
 * that is not a plain http(s) origin is refused, so the policy cannot be widened by accident.
 */
export function extraHubOrigins(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env.STEERSCOPE_HUB_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(',').map((o) => {
    const t = o.trim();
    let u: URL | null = null;
    try {
      u = new URL(t);
    } catch {
      // reported below
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin !== t.replace(/\/$/, '')) {
      throw new Error(`STEERSCOPE_HUB_ORIGINS: "${t}" is not an http(s) origin (scheme://host[:port])`);
    }
    return u.origin;
  });
}

export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'", ...HUB_ORIGINS],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/** The directives with the build's extra hub origins (extraHubOrigins) in connect-src. */
export function buildDirectives(env: Record<string, string | undefined> = process.env): Record<string, string[]> {
  const extra = extraHubOrigins(env);
  return extra.length ? { ...CSP_DIRECTIVES, 'connect-src': [...CSP_DIRECTIVES['connect-src'], ...extra] } : CSP_DIRECTIVES;
}

export function cspString(directives: Record<string, string[]> = buildDirectives()): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

export function cspPlugin(): Plugin {
  return {
    name: 'steerscope-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: cspString() }, injectTo: 'head-prepend' }],
    },
  };
}
