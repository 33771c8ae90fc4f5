import { describe, expect, it } from 'vitest';
import { chooseTrainer, CPU_TRAINER_MAX_WEIGHT_BYTES } from './choose-trainer.ts';

describe('chooseTrainer', () => {
  it('keeps an explicit choice', () => {
    expect(chooseTrainer('gpu', { softwareAdapter: true, weightBytes: 1 })).toBe('gpu');
    expect(chooseTrainer('cpu', { softwareAdapter: false, weightBytes: 1e12 })).toBe('cpu');
  });
  it('auto: GPU on a hardware adapter, whatever the size', () => {
    expect(chooseTrainer('auto', { softwareAdapter: false, weightBytes: 1 })).toBe('gpu');
  });
  it('auto: CPU on a software adapter for small models only', () => {
    expect(chooseTrainer('auto', { softwareAdapter: true, weightBytes: 1_000_000 })).toBe('cpu');
    expect(chooseTrainer('auto', { softwareAdapter: true, weightBytes: CPU_TRAINER_MAX_WEIGHT_BYTES })).toBe('cpu');
    expect(chooseTrainer('auto', { softwareAdapter: true, weightBytes: CPU_TRAINER_MAX_WEIGHT_BYTES + 1 })).toBe('gpu');
  });
  it('refuses an unknown choice', () => {
    expect(() => chooseTrainer('tpu' as never, { softwareAdapter: false, weightBytes: 1 })).toThrow(/auto, gpu or cpu/);
  });
});
