/**
 * The storage formats a model tensor can have in a file, shared by the file readers (model/formats), the GPU layout
 * and its decode (kernels/weights) and the memory estimate. Quantized formats are the ggml block formats: a row of
 * `cols` weights is `cols / blockWeights` blocks of `blockBytes` bytes, each row quantized on its own.
 */
export type WeightFormat = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0' | 'Q4_1' | 'Q4_K' | 'Q6_K';

export interface WeightFormatInfo {
  /** Weights per block (1 for the float formats). */
  blockWeights: number;
  /** Bytes per block. */
  blockBytes: number;
}

export const WEIGHT_FORMATS: Readonly<Record<WeightFormat, WeightFormatInfo>> = {
  F32: { blockWeights: 1, blockBytes: 4 },
  F16: { blockWeights: 1, blockBytes: 2 },
  BF16: { blockWeights: 1, blockBytes: 2 },
  Q8_0: { blockWeights: 32, blockBytes: 34 },
  Q4_0: { blockWeights: 32, blockBytes: 18 },
  Q4_1: { blockWeights: 32, blockBytes: 20 },
  Q4_K: { blockWeights: 256, blockBytes: 144 },
  Q6_K: { blockWeights: 256, blockBytes: 210 },
};

export function isWeightFormat(s: string): s is WeightFormat {
  return Object.hasOwn(WEIGHT_FORMATS, s);
}

/** Bytes of one row of `cols` weights in the file (throws when cols is not a whole number of blocks). */
export function rowBytes(format: WeightFormat, cols: number): number {
  const { blockWeights, blockBytes } = WEIGHT_FORMATS[format];
  if (cols % blockWeights !== 0) throw new Error(`${format} rows need a multiple of ${blockWeights} weights, got ${cols}`);
  return (cols / blockWeights) * blockBytes;
}
