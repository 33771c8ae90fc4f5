import { memoryBudget } from '../model/gpu/memory-estimate.ts';
import type { AdapterInfo } from '../engine/protocol.ts';
import { formatBytes } from './format.ts';
import { useApp } from './store.ts';

/**
 * Tests (dev server only) may shrink the adapter's limits to see refusals: `window.__steerscopeAdapterOverride` is
 * merged over what the engine reports.
 */
function override(): Partial<AdapterInfo> & { deviceMemory?: number } {
  if (!import.meta.env.DEV) return {};
  return (globalThis as { __steerscopeAdapterOverride?: Partial<AdapterInfo> & { deviceMemory?: number } }).__steerscopeAdapterOverride ?? {};
}

export interface AdapterFacts {
  adapter: AdapterInfo;
  /** The conservative total this page plans to use (memory-estimate.ts memoryBudget). */
  budgetBytes: number;
  deviceMemoryGB: number | undefined;
}

/** The adapter with its limits as the model checks use them, or null while unknown. */
export function useAdapterFacts(): AdapterFacts | null {
  const adapter = useApp((s) => s.gpu.adapter);
  if (!adapter) return null;
  const o = override();
  const deviceMemoryGB = o.deviceMemory ?? (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return { adapter: { ...adapter, ...o }, budgetBytes: memoryBudget(deviceMemoryGB), deviceMemoryGB };
}

export function adapterName(a: AdapterInfo): string {
  return [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'unnamed adapter';
}

/** The adapter, its key limits and features: what decides which models fit. */
export function AdapterSummary() {
  const facts = useAdapterFacts();
  const status = useApp((s) => s.gpu.status);
  if (!facts) return <p className="adapter-box muted">{status === 'checking' ? 'Checking the graphics adapter…' : 'No graphics adapter: models cannot load.'}</p>;
  const a = facts.adapter;
  return (
    <dl className="adapter-box" aria-label="Graphics adapter">
      <div>
        <dt>Adapter</dt>
        <dd>
          {adapterName(a)}
          {a.description && a.description !== adapterName(a) ? <span className="muted"> ({a.description})</span> : null}
        </dd>
      </div>
      <div>
        <dt>shader-f16</dt>
        <dd>{a.hasF16 ? 'yes' : 'no (f16 weights are unpacked in the shader)'}</dd>
      </div>
      <div>
        <dt>Largest buffer</dt>
        <dd>{formatBytes(a.maxBufferSize)}</dd>
      </div>
      <div>
        <dt>Largest binding</dt>
        <dd>{formatBytes(a.maxStorageBufferBindingSize)}</dd>
      </div>
      <div>
        <dt>Memory budget</dt>
        <dd title="WebGPU does not tell how much memory the GPU has: half the device memory the browser reports, between 1 and 4 GB.">
          {formatBytes(facts.budgetBytes)}
          <span className="muted"> (device memory {facts.deviceMemoryGB === undefined ? 'unknown' : `${facts.deviceMemoryGB} GB`})</span>
        </dd>
      </div>
    </dl>
  );
}
