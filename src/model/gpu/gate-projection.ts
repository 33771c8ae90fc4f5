// The projected DSAS gate vector of a hook fused into the matmul that produces its input (matmul-steer.wgsl):
// gproj = Wᵀa, so that the gate logit aᵀz + c = gprojᵀ·in + c can be summed over the matmul's input by every thread.
// Computed once per intervention on the GPU (the weights live only there) with the matmul-t kernel.
import type { BufferPool } from '../../gpu/buffers.ts';
import { bindGroup, type PipelineCache } from '../../gpu/pipelines.ts';
import { matmulTParams, matmulTPipeline, matmulTWorkgroups } from '../../kernels/backward/matmul-t.ts';
import { packParams, u32 } from '../../kernels/params.ts';
import type { GpuWeightDType } from '../../kernels/weights-access.ts';

export interface GateProjectionInput {
  /** The matmul's weights [rows, cols] in the GPU layout (weights-access.ts). */
  W: GPUBuffer;
  dtype: GpuWeightDType;
  rows: number;
  cols: number;
  /** The gate's weight vector a (rows floats). */
  a: Float32Array;
  label: string;
}

/** A 'steering' buffer of cols floats holding Wᵀa; the dispatch is submitted (queue order makes it ready for later work). */
export function gateProjection(device: GPUDevice, pool: BufferPool, cache: PipelineCache, p: GateProjectionInput): GPUBuffer {
  if (p.a.length !== p.rows) throw new Error(`${p.label}: the gate has ${p.a.length} weights for ${p.rows} neurons`);
  const out = pool.storage('steering', p.cols * 4, `${p.label}.gate-proj`);
  // Inputs of this one dispatch only: freed right after the submit (WebGPU keeps them alive for submitted work).
  const a = pool.storage('scratch', p.rows * 4, `${p.label}.gate-a`);
  const params = pool.uniform(32, `${p.label}.gate-proj.params`);
  const count = pool.uniform(16, `${p.label}.gate-proj.count`);
  device.queue.writeBuffer(a, 0, p.a);
  device.queue.writeBuffer(params, 0, matmulTParams({ rows: p.rows, cols: p.cols, inStride: p.rows, outStride: p.cols, accumulate: false }));
  device.queue.writeBuffer(count, 0, packParams([u32(1)]));
  const pipeline = matmulTPipeline(cache, p.dtype);
  const enc = device.createCommandEncoder({ label: `${p.label}.gate-proj` });
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup(device, pipeline, [params, a, p.W, out, count], `${p.label}.gate-proj`));
  pass.dispatchWorkgroups(...matmulTWorkgroups(p.cols, 1));
  pass.end();
  device.queue.submit([enc.finish()]);
  for (const b of [a, params, count]) pool.release(b);
  return out;
}
