/** The training methods selectable by `method.name` in the run config (formulas and sources: docs/methods.md). */
import { allnc } from './allnc';
import { balancedSoftmax } from './balancedSoftmax';
import { checkTrainCounts } from './classPriors';
import { classBalanced } from './classBalanced';
import { crossEntropy } from './crossEntropy';
import { crt } from './crt';
import { etfClassifier } from './etf';
import { focal } from './focal';
import { granularity } from './granularity/granularity';
import { ldamDrw } from './ldam';
import { logitAdjustment } from './logitAdjustment';
import type { MethodConfig, MethodContext, TrainingMethod } from './method';
import { spaceAlignmentProjection, spaceAlignmentRegulariser, spaceAlignmentSlerp } from './spaceAlignment';
import { tauNormalisation } from './tauNormalisation';

export type { BatchContext, EpochPlan, MethodConfig, MethodContext, MethodName, MethodOptions, TrainingMethod } from './method';
export { DEFAULT_EPOCH_PLAN } from './method';
export { classBalancedOrder } from './sampling';
export type { TrainingData, ImbalanceConfig } from './trainingData';
export { loadTrainingData, plainTrainingData } from './trainingData';

export function createMethod(config: MethodConfig, context: MethodContext): TrainingMethod {
  checkTrainCounts(context.trainCounts);
  switch (config.name) {
    case 'cross-entropy':
      return crossEntropy();
    case 'class-balanced':
      return classBalanced(config, context);
    case 'focal':
      return focal(config);
    case 'ldam-drw':
      return ldamDrw(config, context);
    case 'logit-adjustment':
      return logitAdjustment(config, context);
    case 'balanced-softmax':
      return balancedSoftmax(context);
    case 'crt':
      return crt(config, context);
    case 'tau-normalisation':
      return tauNormalisation(config);
    case 'etf-classifier':
      return etfClassifier(context);
    case 'allnc':
      return allnc(config, context);
    case 'spa-reg':
      return spaceAlignmentRegulariser(config, context);
    case 'spa-slerp':
      return spaceAlignmentSlerp(config, context);
    case 'spa-proj':
      return spaceAlignmentProjection(config, context);
    case 'granularity':
      return granularity(config, context);
    default:
      return assertNever(config);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown method.name "${(value as { name?: unknown }).name as string}"`);
}
