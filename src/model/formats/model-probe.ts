/**
 * What a model needs, read cheaply before loading: its checkpoint opened through the weight-source registry (config
 * → spec, the weight headers: formats and file sizes; a few byte-range reads, no weights). Feeds memory-estimate.ts.
 */
import type { WeightFormat } from '../../core/weight-format.ts';
import { openCheckpoint } from '../checkpoint.ts';
import type { ModelFiles } from './model-files.ts';
import type { ModelSpec, WeightDType } from '../spec.ts';

export interface ModelProbe {
  spec: ModelSpec;
  /** F16 when every matrix is F16 (kept 2 bytes a weight on the GPU); else BF16 or F32 (f32 on the GPU). */
  fileDType: WeightDType;
  /** The file formats of the matrices (2-D tensors), e.g. Q4_1 and Q8_0 for a Q4_1 GGUF. */
  formats: WeightFormat[];
  /** Bytes of the weight files. */
  weightFileBytes: number;
}

/** `listed`: the folder's file names when known (a server listing), so absent optional files are not asked for. */
export async function probeModel(files: ModelFiles, listed?: string[]): Promise<ModelProbe> {
  const source = listed ? { ...files, list: async () => listed } : files;
  const { spec, source: opened } = await openCheckpoint(source);
  const formats = new Set<WeightFormat>();
  for (const t of opened.tensors) if (t.shape.length === 2) formats.add(t.format);
  const weightFileBytes = opened.files.reduce((n, f) => n + f.size, 0);
  // TODO(quant): the memory estimate should follow each format; until then quantized files count as f32.
  const fileDType: WeightDType = formats.size === 1 && formats.has('F16') ? 'F16' : formats.has('BF16') ? 'BF16' : 'F32';
  return { spec, fileDType, formats: [...formats], weightFileBytes };
}
