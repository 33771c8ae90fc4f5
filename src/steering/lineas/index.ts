// LinEAS (spec section 5) and E2E-DSAS (section 6): float64 CPU reference backward, the float32 GPU gradients, the
// sorted-W2 loss, the trainer.
export { CpuLineasModel, type PromptTape } from './cpu-backward.ts';
export { cpuPooled, makeCpuGradientFn, type CpuLineasSetup } from './cpu-gradient.ts';
export { gpuPooled, gpuPooledUnsteered, makeGpuGradientFn, type GpuGradientFn, type GpuLineasSetup } from './gpu-gradient.ts';
export { GpuLineasTape } from './gpu-tape.ts';
export { averageSortedW2, controlLoss, lineasLoss, sortedW2WithGrad, W2Target, w2Targets, type PooledLoss } from './loss.ts';
export {
  cloneParams,
  countSupport,
  identityParams,
  paramsFromHookMaps,
  paramsToHookMaps,
  SUPPORT_TOLERANCE,
  zeroGrads,
  type GradientFn,
  type GradientResult,
  type GradMaps,
  type MapGrads,
  type MapParams,
  type ParamMaps,
  type Support,
  type TrainBatch,
} from './params.ts';
export {
  Adam,
  BatchCycler,
  cosineLr,
  proximalStep,
  proxGroup,
  proxL1,
  trainLineas,
  type TrainLineasOptions,
  type TrainLineasResult,
  type TrainProgress,
} from './trainer.ts';
