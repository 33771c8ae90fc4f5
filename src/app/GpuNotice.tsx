import { useApp } from './store.ts';

/** The engine's message names the cause first, then general advice (which the list below gives in detail). */
function reason(message: string | null): string {
  const m = /^WebGPU is not available: ([^.]+)/.exec(message ?? '');
  return m ? `Reason: ${m[1]}.` : (message ?? '');
}

/** Shown instead of a silent failure when the browser cannot run the engine. */
export function GpuNotice() {
  const gpu = useApp((s) => s.gpu);
  if (gpu.status === 'unavailable') {
    return (
      <section className="notice" role="alert" aria-label="WebGPU is not available">
        <h2>This browser cannot run the model: WebGPU is not available</h2>
        <p className="reason">{reason(gpu.message)}</p>
        <p>Steerscope runs the model on your graphics card through WebGPU, entirely in this page. To turn WebGPU on:</p>
        <ul>
          <li>
            <strong>Chrome or Edge</strong> (version 113 or newer) on Windows, macOS or ChromeOS: WebGPU is on by default. Check that
            “Use graphics acceleration when available” is on in Settings → System, then reload.
          </li>
          <li>
            <strong>Chrome on Linux</strong>: open <code>chrome://flags</code>, enable “Unsafe WebGPU Support”
            (<code>#enable-unsafe-webgpu</code>) and Vulkan (<code>#enable-vulkan</code>), and restart the browser.
          </li>
          <li>
            <strong>Firefox</strong>: WebGPU is on in recent versions on Windows; elsewhere set <code>dom.webgpu.enabled</code> to
            true in <code>about:config</code>.
          </li>
          <li>
            <strong>Safari</strong>: Safari 26 has WebGPU; on older versions turn on WebGPU under Develop → Feature Flags.
          </li>
        </ul>
        <p>
          In Chrome, <code>chrome://gpu</code> shows whether WebGPU is available and why not.
        </p>
      </section>
    );
  }
  if (gpu.status === 'error') {
    return (
      <section className="notice" role="alert" aria-label="The engine did not start">
        <h2>The engine did not start</h2>
        <p className="reason">{gpu.message}</p>
      </section>
    );
  }
  return null;
}
