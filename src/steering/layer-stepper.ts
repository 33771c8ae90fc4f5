/**
 * The GPU `SourceStepper` of incremental fitting: each source prompt's residual stream is kept on the CPU between
 * layers (T × d floats per prompt), so hook k's sources cost a run of its layer instead of a forward up to it.
 */
import type { GpuModel, Steering } from '../model/gpu/gpu-model.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import type { HookName } from '../model/spec.ts';
import type { HookMap } from '../core/steer-map.ts';
import { RAW, type PromptFormat } from '../model/chat-format.ts';
import { tokenizePrompt } from './collect-activations.ts';
import type { SourceStepper } from './fit-incremental.ts';

export function gpuSourceStepper(model: GpuModel, tokenizer: Tokenizer, prompts: readonly string[], restore: Steering, format: PromptFormat = RAW): SourceStepper {
  const d = model.spec.hiddenSize;
  const ids = prompts.map((text) => tokenizePrompt(tokenizer, text, format));
  /** Per prompt, the residual stream entering `next` (null before layer 0: the prompt's ids are the input). */
  let streams: (Float32Array | null)[] = ids.map(() => null);
  let next = 0;
  return {
    async layer(layer, maps: Map<HookName, HookMap>, record, advance) {
      if (layer !== next) throw new Error(`the layer stepper is at layer ${next}, not ${layer}`);
      model.setSteering(maps.size > 0 ? { maps, lambda: 1, useGate: false } : null, [...record]);
      const out = new Map<HookName, Float64Array[]>(record.map((h) => [h, []]));
      const kept: Float32Array[] = [];
      for (let p = 0; p < ids.length; p++) {
        const x = streams[p];
        const r = await model.runLayers(x ? { x } : { ids: ids[p] }, layer, layer + 1);
        if (advance) kept.push(r.x);
        for (const h of record) {
          const rows = r.recorded.get(h);
          if (!rows) throw new Error(`hook ${h} is not in layer ${layer}`);
          const mean = new Float64Array(d);
          for (const row of rows) for (let j = 0; j < d; j++) mean[j] += row[j];
          for (let j = 0; j < d; j++) mean[j] /= rows.length;
          out.get(h)!.push(mean);
        }
      }
      if (advance) {
        streams = kept;
        next++;
      }
      return out;
    },
    end() {
      streams = [];
      model.setSteering(restore);
    },
  };
}
