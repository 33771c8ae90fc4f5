/** Buffer creation with byte accounting by category, so the engine can report what it holds. */

export type BufferCategory = 'weights' | 'kv' | 'scratch' | 'steering';

export class BufferPool {
  readonly bytes: Record<BufferCategory, number> = { weights: 0, kv: 0, scratch: 0, steering: 0 };
  /** Every live buffer of the pool and the category its bytes count in. */
  private readonly owned = new Map<GPUBuffer, BufferCategory>();

  constructor(
    readonly device: GPUDevice,
    /** The largest buffer that may be bound as storage (the device's maxStorageBufferBindingSize, or less in tests). */
    readonly maxBinding: number,
  ) {}

  storage(category: BufferCategory, byteLength: number, label: string, extraUsage = 0): GPUBuffer {
    const size = Math.max(16, Math.ceil(byteLength / 16) * 16);
    if (size > this.maxBinding) {
      throw new Error(
        `${label} needs ${size} bytes, more than this GPU lets one buffer be bound (${this.maxBinding} bytes)`,
      );
    }
    const buf = this.device.createBuffer({
      size,
      label,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
    });
    this.bytes[category] += size;
    this.owned.set(buf, category);
    return buf;
  }

  uniform(byteLength: number, label: string, category: BufferCategory = 'scratch'): GPUBuffer {
    return this.unbound(byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label, category);
  }

  staging(byteLength: number, label: string, category: BufferCategory = 'scratch'): GPUBuffer {
    return this.unbound(byteLength, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label, category);
  }

  /** Frees a buffer this pool made (its bytes leave the accounting). */
  release(buf: GPUBuffer): void {
    const category = this.owned.get(buf);
    if (category === undefined) return;
    this.owned.delete(buf);
    this.bytes[category] -= buf.size;
    buf.destroy();
  }

  /** Uniform and staging buffers: never bound as storage, so no binding-size limit. */
  private unbound(byteLength: number, usage: number, label: string, category: BufferCategory): GPUBuffer {
    const buf = this.device.createBuffer({ size: Math.max(16, Math.ceil(byteLength / 16) * 16), label, usage });
    this.bytes[category] += buf.size;
    this.owned.set(buf, category);
    return buf;
  }

  get total(): number {
    return this.bytes.weights + this.bytes.kv + this.bytes.scratch + this.bytes.steering;
  }

  destroy(): void {
    for (const b of this.owned.keys()) b.destroy();
    this.owned.clear();
  }
}

/** Read a whole buffer (or a prefix) back to the CPU. For tests and rare reads; the token loop uses its own staging. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, byteLength = src.size, offset = 0): Promise<ArrayBuffer> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, byteLength);
  staging.unmap();
  staging.destroy();
  return out;
}
