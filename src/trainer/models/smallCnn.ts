/**
 * Small CNN (the tfjs MNIST example's shape): conv3×3(32)+ReLU → maxpool 2 → conv3×3(64)+ReLU →
 * maxpool 2 → flatten → dense(featureDim)+ReLU = h → classifier. Convs use 'same' padding, pools
 * 'valid', so 28×28 gives 7×7×64 before the dense layer and inputs must be at least 4×4.
 */
import * as tf from '@tensorflow/tfjs';
import { type ClassifierModel, finishFeatures, linearClassifier, type ModelDescription, StoredClassifierModel } from './classifierModel';
import { convLayer, denseLayer } from './layers';
import { ParameterStore } from './parameterStore';

const pooledSize = (size: number): number => Math.floor(Math.floor(size / 2) / 2);

export function buildSmallCnn(description: ModelDescription, seed: number): ClassifierModel {
  const [height, width, channels] = description.inputShape;
  if (pooledSize(height) < 1 || pooledSize(width) < 1) {
    throw new Error(
      `model.architecture "small-cnn" needs images of at least 4×4 pixels, got ${height}×${width}; use "mlp" for smaller inputs`,
    );
  }
  const store = new ParameterStore();
  const conv1 = convLayer(store, seed, 'conv1', { kernelSize: 3, inChannels: channels, outChannels: 32, bias: true });
  const conv2 = convLayer(store, seed, 'conv2', { kernelSize: 3, inChannels: 32, outChannels: 64, bias: true });
  const flatUnits = pooledSize(height) * pooledSize(width) * 64;
  const features = denseLayer(store, seed, 'features', flatUnits, description.featureDim);
  const head = linearClassifier(store, seed, description.featureDim, description.numClasses);
  const body = (x: tf.Tensor4D): tf.Tensor2D => {
    let y = tf.maxPool(tf.relu(conv1.apply(x)), 2, 2, 'valid');
    y = tf.maxPool(tf.relu(conv2.apply(y)), 2, 2, 'valid');
    return finishFeatures(features.apply(tf.reshape<tf.Rank.R2>(y, [y.shape[0], flatUnits])), description.featureOutput);
  };
  return new StoredClassifierModel(description, store, body, head);
}
