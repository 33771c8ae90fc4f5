import { afterEach, describe, expect, it, vi } from 'vitest';
import { namedGgufFile } from './gguf-source.ts';
import { urlModelFiles } from './model-files.ts';
import { resolveModelSource } from './resolve-source.ts';

/** The URL the source would fetch for `name` (read from a stubbed fetch). */
async function urlOf(ref: string, name: string): Promise<string> {
  let seen = '';
  vi.stubGlobal('fetch', async (u: string) => {
    seen = u;
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  await resolveModelSource(ref, 'http://dev').text(name);
  return seen;
}

afterEach(() => vi.unstubAllGlobals());

describe('model refs', () => {
  it('resolve server folders, hub repos, hub GGUF files and URLs', async () => {
    expect(await urlOf('stories260K', 'config.json')).toBe('http://dev/models/stories260K/config.json');
    expect(await urlOf('HuggingFaceTB/SmolLM2-135M-Instruct', 'config.json')).toBe('https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/config.json');
    const hub = resolveModelSource('Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf');
    expect(namedGgufFile(hub)).toBe('qwen2.5-0.5b-instruct-q4_0.gguf');
    expect(await urlOf('Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf', 'qwen2.5-0.5b-instruct-q4_0.gguf')).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_0.gguf',
    );
    expect(await urlOf('owner/repo@v1/m.gguf', 'm.gguf')).toBe('https://huggingface.co/owner/repo/resolve/v1/m.gguf');
    const server = resolveModelSource('SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf', 'http://dev');
    expect(namedGgufFile(server)).toBe('SmolLM2-135M-Instruct.Q4_1.gguf');
    expect(await urlOf('SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf', 'SmolLM2-135M-Instruct.Q4_1.gguf')).toBe(
      'http://dev/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf',
    );
    const url = 'https://example.org/files/my%20model.gguf';
    expect(namedGgufFile(resolveModelSource(url))).toBe('my model.gguf');
    expect(await urlOf(url, 'my model.gguf')).toBe('https://example.org/files/my%20model.gguf');
    expect(namedGgufFile(resolveModelSource('HuggingFaceTB/SmolLM2-135M-Instruct'))).toBeNull();
    expect(() => resolveModelSource('a/b/c/d')).toThrow(/neither a model folder .* nor a URL/);
  });

  it('a server folder lists its files', async () => {
    vi.stubGlobal('fetch', async (u: string) => {
      expect(u).toBe('http://dev/models/m/');
      return new Response(JSON.stringify({ files: [{ name: 'a.gguf', size: 1 }] }), { headers: { 'Content-Type': 'application/json' } });
    });
    expect(await resolveModelSource('m', 'http://dev').list?.()).toEqual(['a.gguf']);
  });
});

describe('byte ranges from a CDN that hides Content-Range', () => {
  it('takes the file size from a HEAD request', async () => {
    const file = new Uint8Array(1000).map((_, i) => i & 0xff);
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (_u: string, init?: RequestInit) => {
      if (init?.method === 'HEAD') {
        calls.push('HEAD');
        return new Response(null, { status: 200, headers: { 'Content-Length': '1000' } });
      }
      const m = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get('Range') ?? '')!;
      calls.push(`GET ${m[1]}-${m[2]}`);
      return new Response(file.slice(Number(m[1]), Number(m[2]) + 1), { status: 206 }); // no Content-Range
    });
    const files = urlModelFiles('m', 'https://cdn.example/m/');
    const a = await files.range('model.safetensors', 0, 8);
    expect(a.size).toBe(1000);
    expect([...a.bytes]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = await files.range('model.safetensors', 8, 16);
    expect(b.size).toBe(1000);
    expect(calls).toEqual(['GET 0-7', 'HEAD', 'GET 8-15']);
  });

  it('says so when the size cannot be known', async () => {
    vi.stubGlobal('fetch', async (_u: string, init?: RequestInit) =>
      init?.method === 'HEAD' ? new Response(null, { status: 405 }) : new Response(new Uint8Array(8), { status: 206 }),
    );
    await expect(urlModelFiles('m', 'https://cdn.example/m/').range('x.gguf', 0, 8)).rejects.toThrow(/did not let the page read Content-Range .* so the file's size is unknown/);
  });
});
