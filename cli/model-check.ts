// Whether interventions may be applied to the loaded model by their model id (generate and eval). A folder names the
// model it was fitted on (the CLI's model ref: a folder's name, a hub id); one for another id is refused unless
// --allow-other-model is given (an intervention fitted on the same architecture under another name or path is
// legitimately usable; its shapes are checked by the engine either way). A file imported on the fly (.gguf control
// vector, PyTorch map) records no model id and is not checked here.

export interface InterventionModel {
  /** The --intervention argument. */
  path: string;
  /** The model id it was made for; null: none recorded (a file imported on the fly). */
  modelId: string | null;
}

export const ALLOW_OTHER_MODEL = '--allow-other-model';

const OVERRIDE = `pass ${ALLOW_OTHER_MODEL} to use it anyway (for one fitted on the same architecture under another name or path; hidden size and layers are still checked)`;

/**
 * Refuses (throws) an intervention made for a model id other than `loaded`, and interventions made for different
 * model ids given together, unless `allowOther`; then returns one warning per intervention whose id differs.
 */
export function checkInterventionModels(loaded: string, ivs: InterventionModel[], allowOther: boolean): string[] {
  const numbered = ivs.map((iv, i) => ({ ...iv, n: i + 1 }));
  const other = numbered.filter((iv): iv is InterventionModel & { n: number; modelId: string } => iv.modelId !== null && iv.modelId !== loaded);
  if (other.length === 0) return [];
  if (allowOther) return other.map((iv) => `intervention ${iv.n} (${iv.path}) was made for model "${iv.modelId}"; the loaded model is "${loaded}"`);
  // Two or more other ids: the interventions disagree among themselves as well as with the model.
  if (new Set(other.map((iv) => iv.modelId)).size > 1) {
    const each = numbered.filter((iv) => iv.modelId !== null).map((iv) => `--intervention ${iv.path} for "${iv.modelId}"`);
    throw new Error(`the interventions were made for different models (${each.join(', ')}); the loaded model is "${loaded}": ${OVERRIDE.replace('use it', 'use them')}`);
  }
  const [iv] = other;
  const which = ivs.length > 1 ? ` (intervention ${iv.n} of ${ivs.length})` : '';
  throw new Error(`--intervention ${iv.path}${which} was made for model "${iv.modelId}"; the loaded model is "${loaded}": ${other.length > 1 ? OVERRIDE.replace('use it', 'use them') : OVERRIDE}`);
}
