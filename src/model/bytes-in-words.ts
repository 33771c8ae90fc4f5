// Byte counts as the app shows them (pure: imported by Node-side tests too).

/** Bytes in words, as the app shows sizes (binary units: 1 GB = 1024³ bytes). */
export function bytesInWords(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
