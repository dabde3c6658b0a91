/** Convolution geometry from a conv gradient kernel's attributes (NHWC only, dilation 1). */
import * as tf from '@tensorflow/tfjs';

export type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

export function conv2dInfoFromAttrs(inputShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat((attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
  if (dataFormat !== 'channelsLast') throw new Error('wasm conv gradients support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
}
