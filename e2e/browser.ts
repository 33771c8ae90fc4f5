// Shared launch settings for Chromium with WebGPU (SwiftShader on GPU-less machines). See ../shared/docs/testing-webgpu.md.
import fs from 'node:fs';

/** System Chromium (Debian) unless CHROMIUM_PATH says otherwise; undefined → Playwright's own browser. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
