/** Builds the model named by the run config's `model` section for a dataset's image shape and class count. */
import type { ModelConfig } from '../../protocol/runConfig';
import type { ClassifierModel, InputShape, ModelDescription } from './classifierModel';
import { buildMlp } from './mlp';
import { buildResnet, RESNET_DEPTHS } from './resnet';
import { buildSmallCnn } from './smallCnn';

export interface ModelTarget {
  /** [height, width, channels] of one image. */
  inputShape: InputShape;
  numClasses: number;
  /** Initialisation seed (the run's seed): the same seed gives the same initial weights. */
  seed: number;
}

export function describeModel(config: ModelConfig, target: Omit<ModelTarget, 'seed'>): ModelDescription {
  const description: ModelDescription = {
    architecture: config.architecture,
    inputShape: [...target.inputShape],
    numClasses: target.numClasses,
    featureDim: config.featureDim,
  };
  if (config.architecture === 'mlp') description.hiddenUnits = [...config.hiddenUnits];
  if (config.architecture.startsWith('resnet')) description.width = config.width;
  return description;
}

export function buildModel(description: ModelDescription, seed: number): ClassifierModel {
  const { inputShape, numClasses } = description;
  if (inputShape.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`image shape [${inputShape.join(', ')}] is not a valid [height, width, channels]`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`a classifier needs at least 2 classes, got ${numClasses}`);
  switch (description.architecture) {
    case 'mlp':
      return buildMlp(description, seed);
    case 'small-cnn':
      return buildSmallCnn(description, seed);
    case 'resnet8':
    case 'resnet20':
    case 'resnet32':
      return buildResnet(description, RESNET_DEPTHS[description.architecture], seed);
    default:
      return assertNever(description.architecture);
  }
}

export function createModel(config: ModelConfig, target: ModelTarget): ClassifierModel {
  return buildModel(describeModel(config, target), target.seed);
}

function assertNever(value: never): never {
  throw new Error(`unknown model.architecture "${String(value)}"`);
}
