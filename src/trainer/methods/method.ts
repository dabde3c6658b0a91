import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import type { ClassifierModel } from '../models/classifierModel';
import type { Classifier } from '../metrics';

export type MethodConfig = RunConfig['method'];
export type MethodName = MethodConfig['name'];
/** The options of one method, e.g. `MethodOptions<'ldam-drw'>`. */
export type MethodOptions<N extends MethodName> = Extract<MethodConfig, { name: N }>;

/** What a method knows of the run when it is created (after the data are loaded). */
export interface MethodContext {
  /** Training samples per classifier row: the target classes first, then any auxiliary classes. */
  trainCounts: readonly number[];
  /** Rows 0 … targetClassCount − 1 are the target classes; the rest (if any) are auxiliary. */
  targetClassCount: number;
  featureDim: number;
  /** `epochs` of the run config. */
  totalEpochs: number;
  seed: number;
  /** `optimizer.learningRate` of the run config. */
  learningRate: number;
}

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
  /** Multi-label runs only: the multi-hot targets Y (N × C), float32; `labels`/`oneHot` then hold one label per row. */
  multiHot?: tf.Tensor2D;
  /** 1-based epoch being trained. */
  epoch: number;
  /** The model, for losses that read the classifier (W, b) directly. */
  model: ClassifierModel;
}

/** How one epoch is trained; the default is every sample once in random order, all trainable variables, the schedule's rate. */
export interface EpochPlan {
  /** instance: each sample once per epoch; class-balanced: a class drawn uniformly, then a sample of it (with replacement). */
  sampling: 'instance' | 'class-balanced';
  /** Only W and b are trained, and the body runs in inference mode (batch norm frozen): a decoupled second stage. */
  classifierOnly: boolean;
  /** Start the optimiser afresh before this epoch (no momentum or Adam moments carried over). */
  resetOptimizer: boolean;
  /** The learning rate at `progress` ∈ [0, 1) through this epoch; absent: the run's schedule. */
  learningRate?: (progress: number) => number;
}

export const DEFAULT_EPOCH_PLAN: EpochPlan = { sampling: 'instance', classifierOnly: false, resetOptimizer: false };

/**
 * A training method: its loss, and optionally what it changes around the model. Hooks are called by the training
 * loop (src/trainer/training/trainRun.ts) in this order: `featureOutput` when the model is built, `prepare` once,
 * then per epoch `planEpoch`, per step `loss` (inside the gradient tape) and `afterStep`, and at each evaluation
 * `evaluationClassifier`.
 */
export interface TrainingMethod {
  readonly name: MethodName;
  /** Scalar loss of one batch; called inside the optimiser's gradient tape. */
  loss(batch: BatchContext): tf.Scalar;
  /** How the model's feature layer ends: 'relu' (the default) or 'l2-normalised' (no ReLU, h/‖h‖). */
  readonly featureOutput?: 'relu' | 'l2-normalised';
  /** Prepares the model once before training and again after a resume (e.g. fixes the classifier). */
  prepare?(model: ClassifierModel): void;
  /** Called before each epoch (1-based), also the first epoch after a resume. */
  planEpoch?(epoch: number, model: ClassifierModel): EpochPlan;
  /** Called after each optimiser step (e.g. to move or project W). */
  afterStep?(model: ClassifierModel): void;
  /**
   * The linear classifier that makes the predictions at evaluation, from the model's W (C × d) and b: post-hoc
   * adjustments, normalisation, auxiliary rows masked. The metrics then use it for W, NC3 and predictions.
   */
  evaluationClassifier?(classifier: { weights: Float32Array; bias: Float32Array }): Classifier;
  /** Frees tensors the method holds (running means, fixed matrices). */
  dispose?(): void;
}
