/**
 * The three networks of the training benchmark, as run configs of this project; torch_training.py builds the same
 * shapes in PyTorch (NCHW there, NHWC here: each framework's own layout).
 * - mlp:      784-256-128-10, ReLU after each hidden layer and after the 128-wide feature layer.
 * - small-cnn: conv3×3(32)+ReLU, maxpool 2, conv3×3(64)+ReLU, maxpool 2, dense 128+ReLU, dense 10 on 28×28×1.
 * - resnet20: the CIFAR ResNet-20 (width 16, option-A shortcuts, batch norm, features = the 64-wide pooled vector).
 * Adam with the project's defaults (lr 1e-3, coupled L2 weight decay 5e-4 like PyTorch's `weight_decay`), softmax
 * cross-entropy, batch 128.
 */
import type { ModelConfig, RunConfig } from '../../src/protocol/runConfig';
import type { InputShape } from '../../src/trainer/models/classifierModel';

export const TRAINING_MODELS = ['mlp', 'small-cnn', 'resnet20'] as const;
export type TrainingModel = (typeof TRAINING_MODELS)[number];

export interface TrainingModelSpec {
  label: string;
  config: ModelConfig;
  inputShape: InputShape;
  classCount: number;
}

export const TRAINING_MODEL_SPECS: Record<TrainingModel, TrainingModelSpec> = {
  mlp: {
    label: 'MLP 784-256-128-10',
    config: { architecture: 'mlp', featureDim: 128, hiddenUnits: [256], width: 16 },
    inputShape: [28, 28, 1],
    classCount: 10,
  },
  'small-cnn': {
    label: 'small CNN (28×28×1)',
    config: { architecture: 'small-cnn', featureDim: 128, hiddenUnits: [256], width: 16 },
    inputShape: [28, 28, 1],
    classCount: 10,
  },
  resnet20: {
    label: 'ResNet-20 (32×32×3)',
    config: { architecture: 'resnet20', featureDim: 64, hiddenUnits: [256], width: 16 },
    inputShape: [32, 32, 3],
    classCount: 10,
  },
};

export const TRAINING_BATCH = 128;

export const TRAINING_OPTIMIZER: RunConfig['optimizer'] = { name: 'adam', learningRate: 1e-3, momentum: 0.9, weightDecay: 5e-4 };
