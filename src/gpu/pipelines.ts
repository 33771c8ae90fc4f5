/** Compute pipelines cached by their WGSL source, so each shader variant compiles once per device. */

export class PipelineCache {
  private readonly cache = new Map<string, GPUComputePipeline>();
  constructor(private readonly device: GPUDevice) {}

  get(code: string, label: string): GPUComputePipeline {
    let p = this.cache.get(code);
    if (!p) {
      const module = this.device.createShaderModule({ code, label });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
      this.cache.set(code, p);
    }
    return p;
  }
}

/** A recorded dispatch: pipeline + bind group + workgroup counts (counts may depend on the token count). */
export interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: (tokens: number) => [number, number, number];
  label: string;
}

export function bindGroup(device: GPUDevice, pipeline: GPUComputePipeline, buffers: GPUBuffer[], label: string): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    label,
  });
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[], tokens: number): void {
  for (const d of dispatches) {
    const [x, y, z] = d.workgroups(tokens);
    if (x === 0 || y === 0 || z === 0) continue;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(x, y, z);
  }
}
