import type { ImportedMethod } from './method.ts';

export const imported: ImportedMethod<'imported'> = {
  id: 'imported',
  label: 'Imported',
  kind: 'imported',
  description: 'Maps made elsewhere: PyTorch w1/b1 tensors or a llama.cpp control vector.',
  datasetProblem: () => null,
};
