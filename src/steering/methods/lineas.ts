import type { TrainedMethod } from './method.ts';

export const lineas: TrainedMethod<'lineas'> = {
  id: 'lineas',
  label: 'LinEAS',
  kind: 'trained',
  description:
    'LinEAS trains all the maps together, end to end through the model, so a map’s effect on later layers counts. It runs in a background thread: slower, but you can watch the loss and stop at any time, keeping what is trained.',
  datasetProblem: () => null,
};
