// The projected DSAS gate vector of a hook fused into the matmul that produces its input (matmul-steer.wgsl):
// gproj = Wᵀa, so that the gate logit aᵀz + c = gprojᵀ·in + c can be summed over the matmul's input by every thread.
// Computed once per intervention on the GPU (the weights live only there) with the matmul-t kernel, one dispatch per
// row segment of W (the later ones adding to the first's sums).
import type { BufferPool } from '../../gpu/buffers.ts';
import { bindGroup, type PipelineCache } from '../../gpu/pipelines.ts';
import { PACKED_COUNT, packedCount } from '../../kernels/backward/count.ts';
import { MATMUL_T_PARAMS, matmulTParams, matmulTPipeline, matmulTWorkgroups } from '../../kernels/backward/matmul-t.ts';
import type { GpuMatrix } from '../../kernels/weights-access.ts';

export interface GateProjectionInput {
  /** The matmul's weights [rows, cols] (weights-access.ts). */
  W: GpuMatrix;
  /** The gate's weight vector a (rows floats). */
  a: Float32Array;
  label: string;
}

/** A 'steering' buffer of cols floats holding Wᵀa; the dispatches are submitted (queue order makes it ready for later work). */
export function gateProjection(device: GPUDevice, pool: BufferPool, cache: PipelineCache, p: GateProjectionInput): GPUBuffer {
  const { rows, cols } = p.W;
  if (p.a.length !== rows) throw new Error(`${p.label}: the gate has ${p.a.length} weights for ${rows} neurons`);
  const out = pool.storage('steering', cols * 4, `${p.label}.gate-proj`);
  // Inputs of these dispatches only: freed right after the submit (WebGPU keeps them alive for submitted work).
  const a = pool.storage('scratch', rows * 4, `${p.label}.gate-a`);
  const count = pool.uniform(PACKED_COUNT.size, `${p.label}.gate-proj.count`);
  device.queue.writeBuffer(a, 0, p.a);
  device.queue.writeBuffer(count, 0, packedCount(1, 0));
  const transient = [a, count];
  const enc = device.createCommandEncoder({ label: `${p.label}.gate-proj` });
  const pass = enc.beginComputePass();
  p.W.segments.forEach((seg, k) => {
    const params = pool.uniform(MATMUL_T_PARAMS.size, `${p.label}.gate-proj.params#${k}`);
    transient.push(params);
    device.queue.writeBuffer(params, 0, matmulTParams({ rows: seg.rows, rowOffset: seg.firstRow, cols, inStride: rows, outStride: cols, accumulate: k > 0 }));
    const pipeline = matmulTPipeline(cache, seg.format);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup(device, pipeline, [params, a, seg.buffer, out, count], `${p.label}.gate-proj#${k}`));
    pass.dispatchWorkgroups(...matmulTWorkgroups(cols, 1));
  });
  pass.end();
  device.queue.submit([enc.finish()]);
  for (const b of transient) pool.release(b);
  return out;
}
