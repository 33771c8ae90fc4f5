/** Bytes as people read them (binary units), the same words the memory estimate uses. */
export { bytesInWords as formatBytes } from '../model/bytes-in-words.ts';

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
