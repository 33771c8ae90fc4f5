// `generate`'s --intervention / --strength pairing: several interventions are applied in the order given; strength i
// goes with intervention i, or one strength with all of them.
import { list, type Flags } from './args.ts';
import { checkStrength } from '../src/steering/strength.ts';

export interface InterventionFlag {
  path: string;
  /** λ; undefined: the strength the intervention was saved with. */
  strength?: number;
}

export function interventionFlags(flags: Flags): InterventionFlag[] {
  const paths = list(flags, 'intervention');
  const strengths = list(flags, 'strength').map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || v.trim() === '') throw new Error(`--strength needs a number, got ${v}`);
    return checkStrength(n, '--strength');
  });
  const n = paths.length;
  if (strengths.length > 1 && strengths.length !== n) {
    const of = n === 0 ? 'without an --intervention' : `for ${n} intervention${n === 1 ? '' : 's'}`;
    throw new Error(`--strength is given ${strengths.length} times ${of}; give one for all, or one per --intervention (paired in order)`);
  }
  return paths.map((path, i) => ({ path, strength: strengths.length === 1 ? strengths[0] : strengths[i] }));
}
