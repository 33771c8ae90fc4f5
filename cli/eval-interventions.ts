// `eval`'s --intervention / --strength: the first --intervention is swept (its λ from --lambdas); any after it are
// held at their own λ, applied in the order given as `generate` applies them. --strength pairs with the held ones by
// generate's rules (intervention-list.ts): one for all of them, or one per held intervention, in order.
import { list, type Flags } from './args.ts';
import { interventionFlags, type InterventionFlag } from './intervention-list.ts';

export interface EvalInterventionFlags {
  /** The swept intervention's path. */
  swept: string;
  /** The held ones in order; strength undefined: the strength each was saved with. */
  held: InterventionFlag[];
}

export function evalInterventionFlags(flags: Flags): EvalInterventionFlags {
  const paths = list(flags, 'intervention');
  if (paths.length === 0) throw new Error('--intervention is required');
  const strengths = list(flags, 'strength');
  const heldCount = paths.length - 1;
  if (strengths.length > 0 && heldCount === 0) {
    throw new Error('--strength sets the λ of held interventions (each --intervention after the first); the swept one takes its λ values from --lambdas');
  }
  if (strengths.length === paths.length && heldCount >= 1) {
    const give = heldCount === 1 ? 'give one --strength, for the held one' : `give one --strength for all ${heldCount} held ones, or one per held one (paired in order with the --intervention after the first)`;
    throw new Error(`--strength is given ${strengths.length} times for ${paths.length} interventions, but the first --intervention is swept by --lambdas: ${give}`);
  }
  try {
    return { swept: paths[0], held: interventionFlags({ intervention: paths.slice(1), strength: strengths }) };
  } catch (e) {
    throw new Error(`${(e as Error).message.replace(/per --intervention/, 'per held --intervention')} (the held interventions are those after the first, which is swept by --lambdas)`);
  }
}
