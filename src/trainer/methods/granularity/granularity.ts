/**
 * Granularity / category extrapolation (arXiv 2410.15980): the classifier has T target rows and A auxiliary rows;
 * training uses the neighbor-silencing stand-in (neighborSilencing.ts) on target and auxiliary samples; at evaluation
 * the auxiliary rows are masked out, so predictions, NC metrics and recall are over the T target classes only.
 */
import type { Classifier } from '../../metrics';
import type { MethodContext, MethodOptions, TrainingMethod } from '../method';
import { neighborSilencingLoss } from './neighborSilencing';

/** The first `targetClassCount` rows of W (C × d, row-major) and entries of b: the auxiliary rows masked out. */
export function maskAuxiliaryRows(weights: Float32Array, bias: Float32Array, targetClassCount: number): Classifier {
  const width = weights.length / bias.length;
  return { weights: weights.slice(0, targetClassCount * width), bias: bias.slice(0, targetClassCount) };
}

export function granularity(options: MethodOptions<'granularity'>, context: MethodContext): TrainingMethod {
  const { targetClassCount } = context;
  if (context.trainCounts.length <= targetClassCount) {
    throw new Error(
      'granularity: the training data has no auxiliary classes (method.auxiliaryClasses); the run loop must load it with loadTrainingData',
    );
  }
  return {
    name: 'granularity',
    loss: ({ logits, labels, oneHot }) => neighborSilencingLoss(logits, labels, oneHot, targetClassCount, options.silencedNeighbours),
    evaluationClassifier: ({ weights, bias }) => maskAuxiliaryRows(weights, bias, targetClassCount),
  };
}
