import { fitMeanShift } from '../fit-mean-shift.ts';
import type { ClosedFormMethod } from './method.ts';

export const meanAct: ClosedFormMethod<'mean'> = {
  id: 'mean',
  label: 'Mean-AcT',
  kind: 'closed-form',
  description: 'Mean-AcT shifts each neuron by the difference of the target and source means. Fast and robust.',
  datasetProblem: () => null,
  fitMap: (source, target) => fitMeanShift(source, target),
};
