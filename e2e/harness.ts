// Opens the engine harness page and returns a typed handle on window.steerscope (used by tests and the CLI).
import type { Page } from '@playwright/test';
import type { SteerscopeHarness } from '../src/harness/main.ts';

type Fn = (...args: never[]) => unknown;
export type Remote<T> = { [K in keyof T]: T[K] extends Fn ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>> : never };

/** A typed proxy that calls window.steerscope.<name>(...args) in the page; arguments and results are plain JSON. */
export function remoteHarness(page: Page): Remote<SteerscopeHarness> {
  return new Proxy({} as Remote<SteerscopeHarness>, {
    get(_t, name: string) {
      if (name === 'then') return undefined; // not a thenable
      return (...args: unknown[]) =>
        page.evaluate(
          async ([n, a]) => {
            const fn = (window.steerscope as unknown as Record<string, (...x: unknown[]) => unknown>)[n as string];
            if (typeof fn !== 'function') throw new Error(`the engine has no function ${String(n)}`);
            return fn(...(a as unknown[]));
          },
          [name, args] as const,
        );
    },
  });
}

/** Navigates to the harness (relative to the page's base URL) and waits until it is ready. */
export async function openHarness(page: Page, url = '/harness.html'): Promise<Remote<SteerscopeHarness>> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 120_000 });
  return remoteHarness(page);
}
