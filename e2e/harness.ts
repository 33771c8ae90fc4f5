// Opens the engine harness page and returns a typed handle on window.steerscope.
import type { Page } from '@playwright/test';
import type { SteerscopeHarness } from '../src/harness/main.ts';

type Fn = (...args: never[]) => unknown;
export type Remote<T> = { [K in keyof T]: T[K] extends Fn ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>> : never };

export async function openHarness(page: Page): Promise<Remote<SteerscopeHarness>> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/harness.html');
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 120_000 });
  return new Proxy({} as Remote<SteerscopeHarness>, {
    get(_t, name: string) {
      if (name === 'then') return undefined; // not a thenable
      return (...args: unknown[]) =>
        page.evaluate(
          async ([n, a]) => {
            const fn = (window.steerscope as unknown as Record<string, (...x: unknown[]) => unknown>)[n as string];
            return fn(...(a as unknown[]));
          },
          [name, args] as const,
        );
    },
  });
}
