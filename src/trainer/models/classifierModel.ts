/**
 * What the trainer, the metrics and the methods see of a model: penultimate features h and logits
 * Wh + b, the classifier (W is C×d, one row per class), trainable variables and named weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../protocol/runConfig';
import type { ParameterStore } from './parameterStore';
import { glorotUniform } from './seededInit';

export type Architecture = ModelConfig['architecture'];

/** Image shape without the batch axis: [height, width, channels]. */
export type InputShape = [number, number, number];

/** Everything needed to rebuild the same model; stored in checkpoints to check they fit. */
export interface ModelDescription {
  architecture: Architecture;
  inputShape: InputShape;
  numClasses: number;
  featureDim: number;
  /** mlp only. */
  hiddenUnits?: number[];
  /** resnet only: channels of the first stage. */
  width?: number;
  /**
   * How the feature layer ends: 'relu' (default when absent) or 'l2-normalised' (no final ReLU, h/‖h‖), which a fixed
   * ETF classifier needs (Yang et al., NeurIPS 2022): on ReLU features its loss is also minimised by h → 0.
   */
  featureOutput?: 'relu' | 'l2-normalised';
}

/** The last step of every feature layer, per `ModelDescription.featureOutput`. */
export function finishFeatures(h: tf.Tensor2D, featureOutput: ModelDescription['featureOutput']): tf.Tensor2D {
  if (featureOutput !== 'l2-normalised') return tf.relu(h);
  // √(‖h‖² + 1e-12) guards a zero row; it leaves rows of norm ≫ 1e-6 unchanged in float32.
  return tf.div(h, tf.sqrt(tf.add(tf.sum(tf.square(h), 1, true), 1e-12)));
}

export interface ForwardResult {
  /** Penultimate features h (N×d): the input of the last linear layer. */
  features: tf.Tensor2D;
  /** Wh + b (N×C). */
  logits: tf.Tensor2D;
}

export interface ClassifierModel {
  readonly description: ModelDescription;
  /**
   * `training` switches batch norm to batch statistics and updates its running statistics. Call inside
   * tf.tidy (or dispose the results): nothing here is disposed for the caller.
   */
  forward(x: tf.Tensor4D, training: boolean): ForwardResult;
  /** W (C×d, row-major) and b (C) copied out of the backend. */
  classifierWeights(): { weights: Float32Array; bias: Float32Array };
  /** The classifier's variables: W [C, d] and b [C]. Set `.trainable = false` to freeze (e.g. a fixed ETF). */
  readonly classifier: { weights: tf.Variable; bias: tf.Variable };
  /** Variables the optimiser should update (those with trainable set), recomputed on each access. */
  readonly trainableVariables: tf.Variable[];
  /** Copies of all weights by name, batch-norm running statistics included. Caller disposes. */
  getWeights(): tf.NamedTensorMap;
  /** Assigns all weights; throws naming missing/unknown/misshapen weights and assigns nothing then. */
  setWeights(weights: tf.NamedTensorMap): void;
  parameterCount(): number;
  dispose(): void;
}

/** The linear classifier logits = h·Wᵀ + b with W stored as C×d so that rows are class vectors w_c. */
export interface LinearClassifier {
  weights: tf.Variable;
  bias: tf.Variable;
  apply(features: tf.Tensor2D): tf.Tensor2D;
}

export function linearClassifier(store: ParameterStore, seed: number, featureDim: number, numClasses: number): LinearClassifier {
  const weights = store.add(
    'classifier/weights',
    glorotUniform(seed, 'classifier/weights', numClasses * featureDim, featureDim, numClasses),
    [numClasses, featureDim],
  );
  const bias = store.zeros('classifier/bias', [numClasses]);
  return {
    weights,
    bias,
    apply: (features) => tf.add<tf.Tensor2D>(tf.matMul(features, weights, false, true), bias),
  };
}

/** A ClassifierModel from a body (input → features) and a linear classifier sharing one parameter store. */
export class StoredClassifierModel implements ClassifierModel {
  constructor(
    readonly description: ModelDescription,
    private readonly store: ParameterStore,
    private readonly body: (x: tf.Tensor4D, training: boolean) => tf.Tensor2D,
    private readonly head: LinearClassifier,
  ) {}

  get classifier(): { weights: tf.Variable; bias: tf.Variable } {
    return { weights: this.head.weights, bias: this.head.bias };
  }

  get trainableVariables(): tf.Variable[] {
    return this.store.trainable();
  }

  forward(x: tf.Tensor4D, training: boolean): ForwardResult {
    const [height, width, channels] = this.description.inputShape;
    if (x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== channels) {
      throw new Error(`model expects images of shape [${height}, ${width}, ${channels}], got [${x.shape.slice(1).join(', ')}]`);
    }
    const features = this.body(x, training);
    return { features, logits: this.head.apply(features) };
  }

  classifierWeights(): { weights: Float32Array; bias: Float32Array } {
    return {
      weights: Float32Array.from(this.head.weights.dataSync()),
      bias: Float32Array.from(this.head.bias.dataSync()),
    };
  }

  getWeights(): tf.NamedTensorMap {
    return this.store.snapshot();
  }

  setWeights(weights: tf.NamedTensorMap): void {
    this.store.restore(weights);
  }

  parameterCount(): number {
    return this.store.parameterCount();
  }

  dispose(): void {
    this.store.dispose();
  }
}
