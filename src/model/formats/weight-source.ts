/**
 * A weight source: one file format's way of listing a checkpoint's tensors and reading their bytes (safetensors
 * single-file and sharded, GGUF). Every source speaks the Hugging Face layout: tensor names as in
 * `model.safetensors` (`model.layers.0.self_attn.q_proj.weight`), shapes outermost first ([rows, cols]), and row
 * order as Hugging Face has it (a source whose file permutes rows, such as llama.cpp's q/k, puts them back).
 * Bytes stay in the file's format (`WeightFormat`): row-major, each row `rowBytes(format, cols)` bytes.
 * The registry (weight-sources.ts) holds one entry per format; adding a format is a new file plus one line there.
 */
import type { WeightFormat } from '../../core/weight-format.ts';
import type { ModelFiles } from './model-files.ts';

export interface SourceTensor {
  /** Hugging Face name. */
  name: string;
  /** Its name in the file when that differs (GGUF's `blk.0.attn_q.weight`), for messages. */
  fileName?: string;
  /** Outermost first ([rows, cols] for a matrix). */
  shape: number[];
  format: WeightFormat;
  /** Which file of the model holds it, and its byte range there. */
  file: string;
  begin: number;
  end: number;
}

export interface OpenedSource {
  /** The source's name for messages ("safetensors", "GGUF"). */
  kind: string;
  /** The files read, in streaming order, with their sizes. */
  files: { name: string; size: number }[];
  tensors: SourceTensor[];
  /** A Hugging Face-style config.json object when the file carries its own (GGUF metadata); null: read config.json. */
  config: Record<string, unknown> | null;
  /** tokenizer.json and tokenizer_config.json objects when the file carries its own tokenizer (GGUF); null: read them. */
  tokenizer: { json: Record<string, unknown>; config: Record<string, unknown> } | null;
  /**
   * Turns one tensor's file bytes into the bytes the engine uploads (same format; e.g. rows moved back into
   * Hugging Face order). Identity for most sources.
   */
  prepare(t: SourceTensor, bytes: Uint8Array): Uint8Array;
}
