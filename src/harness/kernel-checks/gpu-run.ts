/**
 * Small GPU plumbing for the kernel checks: one device for all checks, buffers made from typed arrays, one dispatch
 * inside validation/out-of-memory error scopes (so a bad binding throws instead of reading back zeros), read-back.
 */
import { readBuffer } from '../../gpu/buffers.ts';
import { createGpuContext } from '../../gpu/device.ts';
import { bindGroup, PipelineCache } from '../../gpu/pipelines.ts';

export interface CheckGpu {
  device: GPUDevice;
  cache: PipelineCache;
}

let gpuPromise: Promise<CheckGpu> | null = null;

export function checkGpu(): Promise<CheckGpu> {
  gpuPromise ??= createGpuContext().then((ctx) => ({ device: ctx.device, cache: new PipelineCache(ctx.device) }));
  return gpuPromise;
}

type Data = Float32Array | Uint32Array | ArrayBuffer;

function bytesOf(data: Data): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** Buffers of one check; `destroy()` frees them all. */
export class Buffers {
  private readonly owned: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}

  private make(data: Data, usage: number, label: string): GPUBuffer {
    const bytes = bytesOf(data);
    const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
    const buf = this.device.createBuffer({ size, usage: usage | GPUBufferUsage.COPY_DST, label });
    if (bytes.byteLength > 0) this.device.queue.writeBuffer(buf, 0, bytes);
    this.owned.push(buf);
    return buf;
  }

  storage(data: Data, label: string): GPUBuffer {
    return this.make(data, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, label);
  }

  uniform(data: ArrayBuffer, label: string): GPUBuffer {
    return this.make(data, GPUBufferUsage.UNIFORM, label);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}

/** Records one dispatch (bind group entries in binding order) and waits for the queue; throws GPU errors. */
export async function dispatchOnce(
  g: CheckGpu,
  pipeline: GPUComputePipeline,
  buffers: GPUBuffer[],
  workgroups: [number, number, number],
  label: string,
): Promise<void> {
  const dev = g.device;
  dev.pushErrorScope('validation');
  dev.pushErrorScope('out-of-memory');
  const enc = dev.createCommandEncoder({ label });
  const pass = enc.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup(dev, pipeline, buffers, label));
  pass.dispatchWorkgroups(...workgroups);
  pass.end();
  dev.queue.submit([enc.finish()]);
  const oom = await dev.popErrorScope();
  const validation = await dev.popErrorScope();
  const err = validation ?? oom;
  if (err) throw new Error(`${label}: GPU error: ${err.message}`);
  await dev.queue.onSubmittedWorkDone();
}

export async function readF32(g: CheckGpu, buf: GPUBuffer, count: number): Promise<Float32Array> {
  return new Float32Array(await readBuffer(g.device, buf, count * 4));
}

export async function readU32(g: CheckGpu, buf: GPUBuffer, count: number): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(g.device, buf, count * 4));
}
