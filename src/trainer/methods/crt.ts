/**
 * Decoupled classifier re-training, cRT (Kang et al., "Decoupling Representation and Classifier for Long-Tailed
 * Recognition", ICLR 2020, arXiv 1910.09217): the representation is learned with plain cross-entropy and
 * instance-balanced sampling; then, for the last `classifierEpochs` epochs, the body is frozen (inference mode, no
 * gradient), the linear classifier is re-initialised and re-trained with cross-entropy on class-balanced batches, with
 * a fresh optimiser and a cosine learning-rate decay over the stage (as the paper's schedule).
 */
import * as tf from '@tensorflow/tfjs';
import { glorotUniform } from '../models/seededInit';
import type { ClassifierModel } from '../models/classifierModel';
import { DEFAULT_EPOCH_PLAN } from './method';
import type { EpochPlan, MethodContext, MethodOptions, TrainingMethod } from './method';

/** W ← Glorot-uniform from a stream of its own (seeded by the run seed), b ← 0. */
export function reinitialiseClassifier(model: ClassifierModel, seed: number, streamName: string): void {
  const { weights, bias } = model.classifier;
  const [rows, width] = weights.shape as [number, number];
  tf.tidy(() => {
    weights.assign(tf.tensor2d(glorotUniform(seed, streamName, rows * width, width, rows), [rows, width]));
    bias.assign(tf.zerosLike(bias));
  });
}

export function crt(options: MethodOptions<'crt'>, context: MethodContext): TrainingMethod {
  const { classifierEpochs } = options;
  if (classifierEpochs >= context.totalEpochs) {
    throw new RangeError(
      `method.classifierEpochs (${classifierEpochs}) must be smaller than epochs (${context.totalEpochs}): the first stage needs at least one epoch. Lower method.classifierEpochs or raise epochs.`,
    );
  }
  const firstClassifierEpoch = context.totalEpochs - classifierEpochs + 1;
  const peak = options.classifierLearningRate ?? context.learningRate;
  return {
    name: 'crt',
    loss: ({ logits, oneHot }) => tf.losses.softmaxCrossEntropy(oneHot, logits),
    planEpoch: (epoch, model): EpochPlan => {
      if (epoch < firstClassifierEpoch) return DEFAULT_EPOCH_PLAN;
      const starting = epoch === firstClassifierEpoch;
      if (starting) reinitialiseClassifier(model, context.seed, 'crt/classifier/weights');
      const stageEpoch = epoch - firstClassifierEpoch;
      return {
        sampling: 'class-balanced',
        classifierOnly: true,
        resetOptimizer: starting,
        learningRate: (progress) => peak * 0.5 * (1 + Math.cos((Math.PI * (stageEpoch + progress)) / classifierEpochs)),
      };
    },
  };
}
