/**
 * Functional layers over explicit variables: each factory creates its seeded weights in the store and
 * returns the forward function. Kernels use the tfjs layouts: dense [in, out], conv [KH, KW, Cin, Cout].
 */
import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from './parameterStore';
import { heNormal } from './seededInit';

export interface DenseLayer {
  kernel: tf.Variable;
  bias: tf.Variable;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/** Dense layer with He-normal kernel and zero bias, meant to be followed by a ReLU. */
export function denseLayer(store: ParameterStore, seed: number, name: string, inUnits: number, outUnits: number): DenseLayer {
  const kernel = store.add(`${name}/kernel`, heNormal(seed, `${name}/kernel`, inUnits * outUnits, inUnits), [inUnits, outUnits]);
  const bias = store.zeros(`${name}/bias`, [outUnits]);
  return {
    kernel,
    bias,
    apply: (x) => tf.add<tf.Tensor2D>(tf.matMul(x, kernel), bias),
  };
}

export interface ConvLayer {
  kernel: tf.Variable;
  apply(x: tf.Tensor4D): tf.Tensor4D;
}

/** Square conv, 'same' padding, He-normal kernel (fan-in K·K·Cin); a bias only when no batch norm follows. */
export function convLayer(
  store: ParameterStore,
  seed: number,
  name: string,
  {
    kernelSize,
    inChannels,
    outChannels,
    stride = 1,
    bias,
  }: { kernelSize: number; inChannels: number; outChannels: number; stride?: number; bias: boolean },
): ConvLayer {
  const shape = [kernelSize, kernelSize, inChannels, outChannels];
  const fanIn = kernelSize * kernelSize * inChannels;
  const kernel = store.add(`${name}/kernel`, heNormal(seed, `${name}/kernel`, fanIn * outChannels, fanIn), shape);
  const biasVariable = bias ? store.zeros(`${name}/bias`, [outChannels]) : undefined;
  return {
    kernel,
    apply: (x) => {
      const y = tf.conv2d(x, kernel as tf.Tensor4D, stride, 'same');
      return biasVariable === undefined ? y : tf.add<tf.Tensor4D>(y, biasVariable);
    },
  };
}

/** PyTorch's defaults (the CIFAR ResNet recipes are PyTorch): running = 0.9·running + 0.1·batch, ε = 1e-5. */
export const BATCH_NORM_MOMENTUM = 0.1;
export const BATCH_NORM_EPSILON = 1e-5;

export interface BatchNormLayer {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVariance: tf.Variable;
  apply<T extends tf.Tensor2D | tf.Tensor4D>(x: T, training: boolean): T;
}

/**
 * Batch norm over all axes but the channel axis (Ioffe & Szegedy 2015). Training normalises with the
 * batch moments and updates the running statistics (unbiased variance, as PyTorch); inference uses the
 * running statistics through tf.batchNorm, always with scale and offset (without them tf.batchNorm has
 * no gradient in tfjs 4.22, /work/shared/ENVIRONMENT.md).
 *
 * Training uses its own gradient: tfjs's FusedBatchNorm gradient tiles 1/σ to the full input shape and
 * runs ~10 full-size ops (Tile alone took 120 ms per layer on wasm at batch 128). With x̂ = (x − μ)/σ,
 * σ = √(var + ε) over m values per channel, the standard backward pass is
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = (γ/σ)·(dy − dβ/m − x̂·dγ/m).
 */
export function batchNormLayer(store: ParameterStore, name: string, channels: number): BatchNormLayer {
  const gamma = store.ones(`${name}/gamma`, [channels]);
  const beta = store.zeros(`${name}/beta`, [channels]);
  const runningMean = store.zeros(`${name}/runningMean`, [channels], false);
  const runningVariance = store.ones(`${name}/runningVariance`, [channels], false);

  const updateRunningStatistics = (mean: tf.Tensor, variance: tf.Tensor, count: number): void => {
    tf.tidy(() => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      runningMean.assign(tf.add(tf.mul(runningMean, 1 - BATCH_NORM_MOMENTUM), tf.mul(mean, BATCH_NORM_MOMENTUM)));
      runningVariance.assign(tf.add(tf.mul(runningVariance, 1 - BATCH_NORM_MOMENTUM), tf.mul(unbiased, BATCH_NORM_MOMENTUM)));
    });
  };

  const trainingBatchNorm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const axes = x.shape.slice(0, -1).map((_, axis) => axis);
    const count = x.size / channels;
    const mean = tf.mean(x, axes);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axes);
    const inverseStd = tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON));
    const normalised = tf.mul(centred, inverseStd);
    updateRunningStatistics(mean, variance, count);
    save([normalised, inverseStd, scale]);
    tf.dispose([mean, centred, variance]);
    return {
      value: tf.add(tf.mul(normalised, scale), offset),
      gradFunc: (upstream: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, invStd, gammaSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(upstream, axes);
        const dGamma = tf.sum(tf.mul(upstream, xHat), axes);
        const correction = tf.add(tf.mul(xHat, tf.div(dGamma, count)), tf.div(dBeta, count));
        const dx = tf.mul(tf.sub(upstream, correction), tf.mul(gammaSaved, invStd));
        return [dx, dGamma, dBeta];
      },
    };
  });

  return {
    gamma,
    beta,
    runningMean,
    runningVariance,
    apply: <T extends tf.Tensor2D | tf.Tensor4D>(x: T, training: boolean): T => {
      if (training) return trainingBatchNorm(x, gamma, beta) as T;
      return tf.batchNorm(
        x,
        runningMean as tf.Tensor1D,
        runningVariance as tf.Tensor1D,
        beta as tf.Tensor1D,
        gamma as tf.Tensor1D,
        BATCH_NORM_EPSILON,
      ) as T;
    },
  };
}
