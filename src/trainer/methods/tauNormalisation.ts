/**
 * τ-normalisation (Kang et al., "Decoupling Representation and Classifier for Long-Tailed Recognition", ICLR 2020,
 * arXiv 1910.09217, §4): training is plain cross-entropy; predictions use w̃_c = w_c / ‖w_c‖^τ and no bias, which
 * undoes the norm advantage head classes gain under imbalance (τ = 1: unit rows; τ = 0: W unchanged). Applied
 * post hoc at every evaluation, so the reported metrics describe the classifier that predicts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../metrics';
import type { MethodOptions, TrainingMethod } from './method';

export function tauNormalisedClassifier(weights: Float32Array, rows: number, tau: number): Classifier {
  const width = weights.length / rows;
  const scaled = new Float32Array(weights.length);
  for (let c = 0; c < rows; c++) {
    let squares = 0;
    for (let k = 0; k < width; k++) squares += (weights[c * width + k] as number) ** 2;
    const divisor = Math.sqrt(squares) ** tau;
    for (let k = 0; k < width; k++) scaled[c * width + k] = divisor > 0 ? (weights[c * width + k] as number) / divisor : 0;
  }
  return { weights: scaled, bias: null };
}

export function tauNormalisation(options: MethodOptions<'tau-normalisation'>): TrainingMethod {
  return {
    name: 'tau-normalisation',
    loss: ({ logits, oneHot }) => tf.losses.softmaxCrossEntropy(oneHot, logits),
    evaluationClassifier: ({ weights, bias }) => tauNormalisedClassifier(weights, bias.length, options.tau),
  };
}
