import { describe, expect, it } from 'vitest';
import { buildDirectives, CSP_DIRECTIVES, cspString, extraHubOrigins } from './csp-plugin.ts';

describe('the build CSP and a hub mirror', () => {
  it('connects to huggingface.co only, unless the build names more origins', () => {
    expect(buildDirectives({})).toBe(CSP_DIRECTIVES);
    expect(cspString(buildDirectives({}))).toContain("connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co;");
    const d = buildDirectives({ STEERSCOPE_HUB_ORIGINS: 'https://hf-mirror.example, http://10.0.0.5:8080/' });
    expect(d['connect-src']).toEqual(["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co', 'https://hf-mirror.example', 'http://10.0.0.5:8080']);
    expect(d['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  });
  it('refuses anything that is not an origin', () => {
    for (const bad of ['*', 'https://x.example/path', "'unsafe-inline'", 'ftp://x.example', 'https://a.example; script-src *']) {
      expect(() => extraHubOrigins({ STEERSCOPE_HUB_ORIGINS: bad })).toThrow(/not an http\(s\) origin/);
    }
  });
});
