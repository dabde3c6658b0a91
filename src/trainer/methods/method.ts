import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import type { ClassifierModel } from '../models/classifierModel';

/** What a loss sees of one training batch. */
export interface BatchContext {
  /** Penultimate features h (N × d). */
  features: tf.Tensor2D;
  /** W h + b (N × C). */
  logits: tf.Tensor2D;
  /** Class indices (N). */
  labels: tf.Tensor1D;
  /** One-hot labels (N × C), float32. */
  oneHot: tf.Tensor2D;
  /** 1-based epoch being trained. */
  epoch: number;
}

/**
 * A training method: its loss, and optionally what it changes around the model (a fixed classifier, a step after
 * each optimiser update, logits adjusted at evaluation).
 */
export interface TrainingMethod {
  readonly name: RunConfig['method']['name'];
  /** Scalar loss of one batch; called inside the optimiser's gradient tape. */
  loss(batch: BatchContext): tf.Scalar;
  /** Prepares the model once before training (e.g. fixes the classifier). */
  prepare?(model: ClassifierModel): void;
}
