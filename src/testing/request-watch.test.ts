// The request watcher's rule on made-up requests: it must catch another host, another port, another scheme and a
// prompt carried in a query or a body, and let the page's own assets, data: and blob: URLs through.
import { describe, expect, it } from 'vitest';
import { leavingRequests } from './request-watch.ts';

const ORIGIN = 'http://127.0.0.1:4173';
const PROMPT = 'Once upon a time a zebra named Quillfeather';

describe('leavingRequests', () => {
  it('lets the page\'s own assets, data: and blob: URLs through', () => {
    const own = ['http://127.0.0.1:4173/', 'http://127.0.0.1:4173/assets/index-abc.js', 'http://127.0.0.1:4173/assets/engine.worker-x.js', 'data:,x', `blob:${ORIGIN}/1234-5678`];
    expect(leavingRequests(own.map((url) => ({ url })), ORIGIN + '/', [PROMPT])).toEqual([]);
  });

  it('catches another host, another port and another scheme', () => {
    const got = leavingRequests(
      [{ url: 'https://huggingface.co/api/models' }, { url: 'http://127.0.0.1:9999/x' }, { url: 'https://127.0.0.1:4173/x' }, { url: 'http://localhost:4173/x' }, { url: 'ws://evil.example/socket' }],
      ORIGIN,
    );
    expect(got).toEqual([
      'https://huggingface.co/api/models: goes to https://huggingface.co, not http://127.0.0.1:4173',
      'http://127.0.0.1:9999/x: goes to http://127.0.0.1:9999, not http://127.0.0.1:4173',
      'https://127.0.0.1:4173/x: goes to https://127.0.0.1:4173, not http://127.0.0.1:4173',
      'http://localhost:4173/x: goes to http://localhost:4173, not http://127.0.0.1:4173',
      'ws://evil.example/socket: goes to ws://evil.example, not http://127.0.0.1:4173',
    ]);
  });

  it('catches the prompt in a same-origin query (typed, %20 or +) or body', () => {
    const reqs = [
      { url: `${ORIGIN}/log?q=${encodeURIComponent(PROMPT)}` },
      { url: `${ORIGIN}/log?q=${encodeURIComponent(PROMPT).replace(/%20/g, '+')}` },
      { url: `${ORIGIN}/log`, body: JSON.stringify({ prompt: PROMPT }) },
      { url: `${ORIGIN}/log`, body: 'nothing here' },
    ];
    expect(leavingRequests(reqs, ORIGIN, [PROMPT])).toEqual([0, 1, 2].map((i) => `${reqs[i].url}: carries ${JSON.stringify(PROMPT)}`));
  });
});
