import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';

type OptimizerWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

/**
 * SGD with momentum or Adam, with coupled L2 weight decay (g ← g + λw, as PyTorch's `weight_decay` and the
 * LDAM-DRW recipe use), applied to every trainable tensor. The learning rate is set before each step from the
 * schedule.
 */
export class Optimizer {
  private readonly inner: tf.Optimizer & { learningRate: number };

  constructor(private readonly config: RunConfig['optimizer']) {
    this.inner =
      config.name === 'sgd'
        ? (tf.train.momentum(config.learningRate, config.momentum) as unknown as tf.Optimizer & { learningRate: number })
        : (tf.train.adam(config.learningRate) as unknown as tf.Optimizer & { learningRate: number });
  }

  set learningRate(value: number) {
    this.inner.learningRate = value;
  }

  get learningRate(): number {
    return this.inner.learningRate;
  }

  /** One step: loss gradients w.r.t. `variables`, plus weight decay, applied. Returns the loss value. */
  minimize(lossFunction: () => tf.Scalar, variables: tf.Variable[]): number {
    const { value, grads } = tf.variableGrads(lossFunction, variables);
    const decay = this.config.weightDecay;
    const decayed: Record<string, tf.Tensor> = {};
    for (const variable of variables) {
      const gradient = grads[variable.name];
      if (gradient === undefined) continue;
      decayed[variable.name] = decay > 0 ? tf.tidy(() => gradient.add(variable.mul(decay))) : gradient;
    }
    this.inner.applyGradients(decayed);
    const loss = value.dataSync()[0] ?? Number.NaN;
    value.dispose();
    for (const name of Object.keys(grads)) grads[name]?.dispose();
    if (decay > 0) for (const tensor of Object.values(decayed)) tensor.dispose();
    return loss;
  }

  async getWeights(): Promise<OptimizerWeights> {
    return this.inner.getWeights();
  }

  async setWeights(weights: OptimizerWeights): Promise<void> {
    await this.inner.setWeights(weights);
  }

  dispose(): void {
    this.inner.dispose();
  }
}
