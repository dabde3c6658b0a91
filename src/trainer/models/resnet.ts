/**
 * CIFAR ResNets (He et al., CVPR 2016, §4.2), as in the long-tailed recipes (LDAM-DRW's resnet32):
 * conv3×3(w)+BN+ReLU, then 3 stages of n = (depth−2)/6 basic blocks with w, 2w, 4w channels (stages 2
 * and 3 start with stride 2), global average pool, linear classifier. Basic block:
 * relu(BN(conv(relu(BN(conv(x))))) + shortcut(x)). Where a block changes shape the shortcut is the
 * parameter-free "option A": subsample by 2 and zero-pad the new channels.
 *
 * Features: the pooled vector has 4w entries (64 for w = 16). When model.featureDim differs, a
 * dense(featureDim)+ReLU projection follows the pool and h is its output, so every architecture ends in
 * dense+ReLU features of dimension featureDim. Set featureDim = 4·width for the paper's network.
 */
import * as tf from '@tensorflow/tfjs';
import { type ClassifierModel, finishFeatures, linearClassifier, type ModelDescription, StoredClassifierModel } from './classifierModel';
import { batchNormLayer, convLayer, denseLayer } from './layers';
import { ParameterStore } from './parameterStore';

export const RESNET_DEPTHS = { resnet8: 8, resnet20: 20, resnet32: 32 } as const;

type Block = (x: tf.Tensor4D, training: boolean) => tf.Tensor4D;

/**
 * x[:, ::s, ::s, :] as a 1×1 average pool with stride s: the same ceil(H/s) size as the block's
 * 'same' strided conv, and it has a gradient (tf.stridedSlice has none; a 5-D slice of a reshaped x
 * does, but took 590 ms per call on wasm at batch 128 against 1.5 ms for the pool).
 */
function subsample(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  return stride === 1 ? x : tf.avgPool(x, 1, stride, 'valid');
}

/** Option-A shortcut (He et al. 2016): subsample, then zero channels split before and after. */
function subsampleAndPad(x: tf.Tensor4D, stride: number, extraChannels: number): tf.Tensor4D {
  const subsampled = subsample(x, stride);
  if (extraChannels === 0) return subsampled;
  const before = Math.floor(extraChannels / 2);
  return tf.pad(subsampled, [
    [0, 0],
    [0, 0],
    [0, 0],
    [before, extraChannels - before],
  ]);
}

function basicBlock(
  store: ParameterStore,
  seed: number,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
  finalRelu = true,
): Block {
  const conv1 = convLayer(store, seed, `${name}/conv1`, { kernelSize: 3, inChannels, outChannels, stride, bias: false });
  const bn1 = batchNormLayer(store, `${name}/bn1`, outChannels);
  const conv2 = convLayer(store, seed, `${name}/conv2`, { kernelSize: 3, inChannels: outChannels, outChannels, bias: false });
  const bn2 = batchNormLayer(store, `${name}/bn2`, outChannels);
  const reshapes = stride !== 1 || inChannels !== outChannels;
  return (x, training) => {
    const y = bn2.apply(conv2.apply(tf.relu(bn1.apply(conv1.apply(x), training))), training);
    const shortcut = reshapes ? subsampleAndPad(x, stride, outChannels - inChannels) : x;
    const sum = tf.add<tf.Tensor4D>(y, shortcut);
    return finalRelu ? tf.relu(sum) : sum;
  };
}

export function buildResnet(description: ModelDescription, depth: number, seed: number): ClassifierModel {
  if ((depth - 2) % 6 !== 0) throw new Error(`CIFAR ResNet depth must be 6n+2, got ${depth}`);
  const blocksPerStage = (depth - 2) / 6;
  const width = description.width ?? 16;
  const channels = [width, 2 * width, 4 * width];
  const store = new ParameterStore();
  const stem = convLayer(store, seed, 'stem/conv', {
    kernelSize: 3,
    inChannels: description.inputShape[2],
    outChannels: width,
    bias: false,
  });
  const stemNorm = batchNormLayer(store, 'stem/bn', width);
  const blocks: Block[] = [];
  let inChannels = width;
  channels.forEach((outChannels, stage) => {
    for (let index = 0; index < blocksPerStage; index++) {
      const stride = stage > 0 && index === 0 ? 2 : 1;
      // featureOutput 'l2-normalised' without a projection: the pooled last block is h, so that block has no final ReLU.
      const last = stage === channels.length - 1 && index === blocksPerStage - 1;
      const finalRelu = !(last && description.featureOutput === 'l2-normalised' && description.featureDim === 4 * width);
      blocks.push(basicBlock(store, seed, `stage${stage + 1}/block${index}`, inChannels, outChannels, stride, finalRelu));
      inChannels = outChannels;
    }
  });
  const pooledDim = 4 * width;
  const projection =
    description.featureDim === pooledDim ? undefined : denseLayer(store, seed, 'projection', pooledDim, description.featureDim);
  const head = linearClassifier(store, seed, description.featureDim, description.numClasses);
  const body = (x: tf.Tensor4D, training: boolean): tf.Tensor2D => {
    let y = tf.relu(stemNorm.apply(stem.apply(x), training));
    for (const block of blocks) y = block(y, training);
    const pooled = tf.mean<tf.Tensor2D>(y, [1, 2]);
    if (projection !== undefined) return finishFeatures(projection.apply(pooled), description.featureOutput);
    return description.featureOutput === 'l2-normalised' ? finishFeatures(pooled, description.featureOutput) : pooled;
  };
  return new StoredClassifierModel(description, store, body, head);
}
