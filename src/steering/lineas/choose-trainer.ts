// Which LinEAS gradient to use when the user leaves it to us. On a real GPU the GPU trainer wins; on a software
// adapter (SwiftShader, WARP, llvmpipe: the "GPU" is the CPU) a small model trains faster with the float64 CPU
// trainer, because the GPU trainer pays a dispatch cost per kernel (measured on stories260K, SwiftShader, 2 cores:
// 1.8 s per GPU step against 0.35 s per CPU step). Large models stay on the GPU: the CPU trainer keeps float64
// copies of the weights and their transposes.

export type TrainerChoice = 'auto' | 'gpu' | 'cpu';
export type Trainer = 'gpu' | 'cpu';

/** Models up to this many weight bytes (as held on the GPU) train on the CPU under a software adapter. */
export const CPU_TRAINER_MAX_WEIGHT_BYTES = 64 * 2 ** 20;

export function chooseTrainer(requested: TrainerChoice, device: { softwareAdapter: boolean; weightBytes: number }): Trainer {
  if (requested === 'gpu' || requested === 'cpu') return requested;
  if (requested !== 'auto') throw new Error(`trainer must be auto, gpu or cpu, got ${String(requested)}`);
  return device.softwareAdapter && device.weightBytes <= CPU_TRAINER_MAX_WEIGHT_BYTES ? 'cpu' : 'gpu';
}
