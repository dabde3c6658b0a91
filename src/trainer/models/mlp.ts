/** MLP: flatten → [dense + ReLU] per hidden width → dense(featureDim) + ReLU = h → classifier. */
import * as tf from '@tensorflow/tfjs';
import { type ClassifierModel, finishFeatures, linearClassifier, type ModelDescription, StoredClassifierModel } from './classifierModel';
import { denseLayer } from './layers';
import { ParameterStore } from './parameterStore';

export function buildMlp(description: ModelDescription, seed: number): ClassifierModel {
  const store = new ParameterStore();
  const [height, width, channels] = description.inputShape;
  const widths = [height * width * channels, ...(description.hiddenUnits ?? []), description.featureDim];
  const layers = widths.slice(1).map((units, index) => {
    const name = index === widths.length - 2 ? 'features' : `hidden${index}`;
    return denseLayer(store, seed, name, widths[index] as number, units);
  });
  const head = linearClassifier(store, seed, description.featureDim, description.numClasses);
  const body = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.reshape<tf.Rank.R2>(x, [x.shape[0], -1]);
    layers.forEach((layer, index) => {
      h = index === layers.length - 1 ? finishFeatures(layer.apply(h), description.featureOutput) : tf.relu(layer.apply(h));
    });
    return h;
  };
  return new StoredClassifierModel(description, store, body, head);
}
