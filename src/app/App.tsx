import { EvalPanel } from './EvalPanel.tsx';
import { FitPanel } from './FitPanel.tsx';
import { GpuNotice } from './GpuNotice.tsx';
import { LibraryPanel } from './LibraryPanel.tsx';
import { ModelPanel } from './ModelPanel.tsx';
import { OutputPanel } from './OutputPanel.tsx';
import { PromptPanel } from './PromptPanel.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { SteerPanel } from './SteerPanel.tsx';
import { useApp } from './store.ts';

function AdapterLine() {
  const gpu = useApp((s) => s.gpu);
  if (gpu.status === 'checking') return <p className="adapter muted">Checking WebGPU…</p>;
  if (gpu.status !== 'ready' || !gpu.adapter) return <p className="adapter muted">No WebGPU</p>;
  const a = gpu.adapter;
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'unnamed adapter';
  return (
    <p className="adapter muted" title={a.description}>
      GPU: {name}
      {a.hasF16 ? ' · f16' : ''}
    </p>
  );
}

export function App() {
  return (
    <>
      <header className="top">
        <div>
          <h1>Steerscope</h1>
          <p className="tagline">Steer a language model running in your browser, on your GPU, and see where the steering acts.</p>
        </div>
        <AdapterLine />
      </header>
      <GpuNotice />
      <main className="layout">
        <div className="column side">
          <ModelPanel />
          <SteerPanel />
          <SettingsPanel />
        </div>
        <div className="column work">
          <PromptPanel />
          <OutputPanel />
          <FitPanel />
          <EvalPanel />
          <LibraryPanel />
        </div>
      </main>
    </>
  );
}
