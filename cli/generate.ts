// `generate`: load a model in headless Chromium, generate, print one JSON object.
import { hubOptionsFrom } from './hub-cache.ts';
import { cleanError, modelRef, openBrowserSession } from './browser-session.ts';
import { num, required, str, type Flags } from './args.ts';
import { readInterventionFolder, recordedModelId } from './intervention-folder.ts';
import { checkInterventionModels } from './model-check.ts';
import { interventionFlags } from './intervention-list.ts';

export async function runGenerate(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  const prompt = required(flags, 'prompt');
  const maxNewTokens = num(flags, 'max-new-tokens', 64)!;
  const greedy = Boolean(flags.greedy);
  // Checked before the browser starts: the pairing and every λ; each folder is read (and refused by path) here too.
  const ivs = interventionFlags(flags).map((f) => ({ ...f, files: readInterventionFolder(f.path) }));
  // Made for another model id: refused before the browser starts, unless --allow-other-model (model-check.ts); then
  // each one is reported in `warnings`. Shapes are always checked (hidden size, layers).
  const warnings = checkInterventionModels(model, ivs.map((iv) => ({ path: iv.path, modelId: recordedModelId(iv.path, iv.files) })), Boolean(flags['allow-other-model']));
  const useGate = !flags['no-gate'];
  const session = await openBrowserSession(mounts, hubOptionsFrom(flags));
  try {
    const loaded = await session.api.load(model, { maxContext: num(flags, 'max-context') });
    // Applied in the order given: at a hook several share, z ← steer_B(steer_A(z)), each with its own λ and gate.
    for (const [i, iv] of ivs.entries()) {
      const opts = { strength: iv.strength, useGate, checkModel: false };
      try {
        if (i === 0) await session.api.setIntervention(iv.files, opts);
        else await session.api.addIntervention(iv.files, opts);
      } catch (e) {
        const msg = cleanError(e).replace(/^Intervention \d+: /, '');
        throw new Error(ivs.length > 1 ? `--intervention ${iv.path} (intervention ${i + 1} of ${ivs.length}): ${msg}` : `--intervention ${iv.path}: ${msg}`);
      }
    }
    const r = await session.api.generate({
      prompt,
      chat: Boolean(flags.chat),
      system: str(flags, 'system'),
      maxNewTokens,
      greedy,
      temperature: num(flags, 'temperature'),
      topP: num(flags, 'top-p'),
      topK: num(flags, 'top-k'),
      repetitionPenalty: num(flags, 'repetition-penalty'),
      seed: num(flags, 'seed', 0),
      ignoreEos: Boolean(flags['ignore-eos']),
      keepPromptEnd: Boolean(flags['keep-prompt-end']),
      stopStrings: str(flags, 'stop') !== undefined ? [str(flags, 'stop')!] : undefined,
    });
    const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
    const steering =
      ivs.length > 0
        ? {
            intervention: ivs[0].path,
            // Each intervention as applied, in order; the gate columns name theirs by index.
            interventions: ivs.map((iv, i) => ({ intervention: iv.path, modelId: r.interventions[i]?.modelId ?? null, strength: r.interventions[i]?.strength ?? null, useGate, hooks: r.interventions[i]?.hooks ?? [] })),
            hooks: r.hooks,
            ...(ivs.length > 1 ? { hookInterventions: r.hookInterventions } : {}),
            strengths: r.strengths.map((values) => ({
              values,
              mean: mean(values),
              // Several interventions: each one's gates summed over its gated hooks (what the heatmap's sum shows).
              ...(ivs.length > 1 ? { perIntervention: ivs.map((_, k) => values.reduce((a, v, j) => a + (r.hookInterventions[j] === k ? v : 0), 0)) } : {}),
            })),
          }
        : {};
    return {
      ...steering,
      ...(warnings.length > 0 ? { warnings } : {}),
      model: str(flags, 'model'),
      promptTokenIds: r.promptTokenIds,
      tokenIds: r.tokenIds,
      text: r.text,
      stopReason: r.stopReason,
      timings: { loadMs: loaded.loadMs, prefillMs: r.timings.prefillMs, decodeTokensPerSecond: r.timings.decodeTokensPerSecond },
    };
  } finally {
    await session.close();
  }
}
