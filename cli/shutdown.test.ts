import { describe, expect, it } from 'vitest';
import { ancestors, closeOnShutdown, keepingSignalsOurs, shutdownReport } from './shutdown.ts';

describe('closeOnShutdown', () => {
  it('on SIGTERM closes, prints the JSON error and exits 143', async () => {
    const written: string[] = [];
    let closed = false;
    const exited = new Promise<number>((resolve) => {
      closeOnShutdown(async () => void (closed = true), { write: (t) => written.push(t), exit: resolve, parentPollMs: 0 });
    });
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exited).toBe(143);
    expect(closed).toBe(true);
    expect(written).toEqual(['{"error":"interrupted by SIGTERM; the browser was closed"}\n']);
    expect(process.listeners('SIGTERM')).toHaveLength(0);
  });

  it('exits even when close() hangs', async () => {
    const exited = new Promise<number>((resolve) => {
      closeOnShutdown(() => new Promise(() => {}), { write: () => {}, exit: resolve, parentPollMs: 0, closeTimeoutMs: 50 });
    });
    process.emit('SIGINT', 'SIGINT');
    expect(await exited).toBe(130);
  });

  it('the unregister function removes the handlers', () => {
    const stop = closeOnShutdown(async () => {}, { parentPollMs: 0 });
    expect(process.listenerCount('SIGHUP')).toBe(1);
    stop();
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });

  it('keepingSignalsOurs drops listeners a dependency adds', async () => {
    const mine = () => {};
    process.on('SIGTERM', mine);
    await keepingSignalsOurs(async () => void process.once('SIGTERM', () => process.exit(1)));
    expect(process.listeners('SIGTERM')).toEqual([mine]);
    process.off('SIGTERM', mine);
  });

  it('reports', () => {
    expect(shutdownReport('SIGHUP').code).toBe(129);
    expect(shutdownReport('parent-gone').error).toMatch(/process that started the CLI ended/);
    expect(ancestors()[0]).toBe(process.ppid);
  });
});
