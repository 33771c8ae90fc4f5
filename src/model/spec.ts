/** The shape of a decoder-only Llama-family model, derived from a Hugging Face `config.json`. */
export type ModelType = 'llama' | 'qwen2';

export interface ModelSpec {
  modelType: ModelType;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** LM head shares the embedding matrix (no `lm_head.weight`). */
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (qwen2). */
  qkvBias: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** Weight dtypes a safetensors file may hold that we accept. */
export type WeightDType = 'F32' | 'F16' | 'BF16';

/** A hook point: `<layer>.attn` (o_proj output), `<layer>.mlp` (down_proj output), `<layer>.resid` (block output). */
export type HookKind = 'attn' | 'mlp' | 'resid';
export type HookName = `${number}.${HookKind}`;

export const HOOK_KINDS: readonly HookKind[] = ['attn', 'mlp', 'resid'];

export function hookName(layer: number, kind: HookKind): HookName {
  return `${layer}.${kind}`;
}

export function parseHookName(name: string): { layer: number; kind: HookKind } {
  const m = /^(\d+)\.(attn|mlp|resid)$/.exec(name);
  if (!m) throw new Error(`"${name}" is not a hook name (expected <layer>.attn, <layer>.mlp or <layer>.resid)`);
  return { layer: Number(m[1]), kind: m[2] as HookKind };
}

/** Forward order of hooks: layer 0 attn, layer 0 mlp, layer 0 resid, layer 1 attn, ... */
export function hookOrder(name: string): number {
  const { layer, kind } = parseHookName(name);
  return layer * 3 + HOOK_KINDS.indexOf(kind);
}
