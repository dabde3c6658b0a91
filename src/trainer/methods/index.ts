import type { RunConfig } from '../../protocol/runConfig';
import { crossEntropy } from './crossEntropy';
import type { TrainingMethod } from './method';

export type { TrainingMethod, BatchContext } from './method';

export function createMethod(config: RunConfig['method']): TrainingMethod {
  switch (config.name) {
    case 'cross-entropy':
      return crossEntropy();
  }
}
