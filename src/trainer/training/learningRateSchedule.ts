import type { RunConfig } from '../../protocol/runConfig';

/**
 * Learning rate for an epoch (0-based, fractional within the epoch allowed).
 * - warm-up: linear from lr/10 to lr over `warmupEpochs` (the LDAM-DRW CIFAR recipe warms up for 5 epochs);
 * - step: lr · gamma^(number of milestones ≤ epoch) (milestones are 1-based epochs, as in the recipe "×0.01 at 160");
 * - cosine: lr · ½(1 + cos(π t / T)) over the epochs after warm-up (Loshchilov & Hutter, SGDR, without restarts).
 */
export function learningRateAt(
  epoch: number,
  optimizer: RunConfig['optimizer'],
  schedule: RunConfig['schedule'],
  totalEpochs: number,
): number {
  const peak = optimizer.learningRate;
  if (schedule.warmupEpochs > 0 && epoch < schedule.warmupEpochs) {
    return peak * (0.1 + 0.9 * (epoch / schedule.warmupEpochs));
  }
  switch (schedule.name) {
    case 'constant':
      return peak;
    case 'step': {
      const passed = schedule.milestones.filter((milestone) => epoch + 1 >= milestone).length;
      return peak * schedule.gamma ** passed;
    }
    case 'cosine': {
      const span = Math.max(totalEpochs - schedule.warmupEpochs, 1);
      const progress = Math.min(Math.max(epoch - schedule.warmupEpochs, 0) / span, 1);
      return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}
