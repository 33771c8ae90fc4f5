// Vite plugin (build only): puts a Content-Security-Policy <meta> first in the built index.html.
// Scripts: only the app's own files ('self'); no inline scripts, no eval, no WebAssembly (the app runs on WebGPU;
// the tokenizer and chat templates are plain JavaScript). Network: the page's own origin, plus the Hugging Face hub,
// from which a user may choose to download a model (hub ids and URLs on the model panel).
import type { Plugin } from 'vite';

export const HUB_ORIGINS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'", ...HUB_ORIGINS],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

export function cspString(directives: Record<string, string[]> = CSP_DIRECTIVES): string {
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
