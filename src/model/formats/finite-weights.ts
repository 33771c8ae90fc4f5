/**
 * The load-time refusal of a checkpoint whose weights hold NaN or ±Inf: each tensor's file bytes are scanned
 * (core/non-finite.ts) before they are uploaded, and the first bad one is named — file, tensor, element index,
 * how many — instead of loading a model whose logits would only turn non-finite later.
 */
import { findNonFinite } from '../../core/non-finite.ts';
import { WEIGHT_FORMATS } from '../../core/weight-format.ts';
import { ModelFileError } from './model-files.ts';
import type { SourceTensor } from './weight-source.ts';

const show = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** The sentence for a tensor's non-finite values, or null when they are all finite. `bytes`: the file's bytes of it. */
export function nonFiniteMessage(t: SourceTensor, bytes: Uint8Array): string | null {
  const bad = findNonFinite(bytes, t.format);
  if (!bad) return null;
  const name = t.fileName && t.fileName !== t.name ? `"${t.fileName}" (${t.name}, ${t.format})` : `"${t.name}" (${t.format})`;
  const what =
    bad.block === null
      ? `${bad.count} non-finite value${bad.count === 1 ? '' : 's'} (NaN or ±Inf); the first is element ${bad.index} = ${show(bad.value)}`
      : `${bad.count} non-finite block scale${bad.count === 1 ? '' : 's'} (NaN or ±Inf); the first is the ${bad.field} of block ${bad.block} (weights ${bad.index}…${bad.index + WEIGHT_FORMATS[t.format].blockWeights - 1}) = ${show(bad.value)}`;
  return `${t.file}: tensor ${name} holds ${what}: the checkpoint is broken and was not loaded`;
}

/** Throws a ModelFileError naming the first non-finite value of the tensor's file bytes. */
export function checkFiniteTensor(t: SourceTensor, bytes: Uint8Array): void {
  const m = nonFiniteMessage(t, bytes);
  if (m) throw new ModelFileError(m);
}
