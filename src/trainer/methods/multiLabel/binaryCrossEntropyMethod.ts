/**
 * The training method of multi-label runs: one sigmoid per label, binary cross-entropy against the multi-hot targets
 * (binaryCrossEntropy.ts). It is what `method: cross-entropy` means under `labels.mode: "multi-label"`; the config
 * schema rejects every other method there (src/protocol/labelsConfig.ts).
 */
import type { TrainingMethod } from '../method';
import { binaryCrossEntropy } from './binaryCrossEntropy';

export function binaryCrossEntropyMethod(): TrainingMethod {
  return {
    name: 'cross-entropy',
    loss: ({ logits, multiHot }) => {
      if (multiHot === undefined)
        throw new Error('binary cross-entropy needs multi-hot targets: the run loop passes them in multi-label runs');
      return binaryCrossEntropy(logits, multiHot);
    },
  };
}
