import { fitLinearAct } from '../fit-linear-act.ts';
import type { ClosedFormMethod } from './method.ts';

export const linearAct: ClosedFormMethod<'linear-act'> = {
  id: 'linear-act',
  label: 'Linear-AcT',
  kind: 'closed-form',
  description: 'Linear-AcT maps each neuron’s sorted source values onto the sorted target values (scale and shift). Needs as many source as target prompts.',
  datasetProblem: (c) =>
    c.source === c.target ? null : `Linear-AcT pairs source and target prompts, so it needs as many of each (now ${c.source} and ${c.target}).`,
  fitMap: (source, target, o) => fitLinearAct(source, target, { rangeMask: o.sourceRange ?? false }),
};
