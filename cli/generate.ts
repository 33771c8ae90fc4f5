// `generate`: load a model in headless Chromium, generate, print one JSON object.
import { modelRef, openBrowserSession } from './browser-session.ts';
import { num, required, str, type Flags } from './args.ts';
import { readInterventionFolder } from './intervention-folder.ts';
import { checkStrength } from '../src/steering/strength.ts';

export async function runGenerate(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  const prompt = required(flags, 'prompt');
  const maxNewTokens = num(flags, 'max-new-tokens', 64)!;
  const greedy = Boolean(flags.greedy);
  const strength = num(flags, 'strength');
  if (strength !== undefined) checkStrength(strength, '--strength');
  const session = await openBrowserSession(mounts);
  try {
    const loaded = await session.api.load(model, { maxContext: num(flags, 'max-context') });
    const ivDir = str(flags, 'intervention');
    if (ivDir) {
      await session.api.setIntervention(readInterventionFolder(ivDir), { strength, useGate: !flags['no-gate'], checkModel: false });
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
      stopStrings: str(flags, 'stop') !== undefined ? [str(flags, 'stop')!] : undefined,
    });
    const steering = ivDir
      ? {
          intervention: ivDir,
          hooks: r.hooks,
          strengths: r.strengths.map((values) => ({ values, mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null })),
        }
      : {};
    return {
      ...steering,
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
