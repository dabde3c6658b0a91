/**
 * The run config (`*.ltrun.json`): defined once here, validated by the trainer and the extension,
 * and exported as the JSON Schema in `media/ltrun.schema.json` (see scripts/generate-schema.ts).
 */
import { z } from 'zod';

export const DATASET_NAMES = ['auto', 'fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'image-folder', 'synthetic'] as const;
export const ARCHITECTURES = ['mlp', 'small-cnn', 'resnet8', 'resnet20', 'resnet32'] as const;
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const METHOD_NAMES = ['cross-entropy'] as const;

const positiveInt = z.number().int().positive();

export const datasetSchema = z
  .object({
    name: z
      .enum(DATASET_NAMES)
      .default('auto')
      .describe(
        'Which dataset to train on. "auto" (default): Fashion-MNIST when its files are found, else the synthetic dataset. "synthetic" is a deterministic generated image dataset that needs no files; ' +
          '"fashion-mnist"/"mnist" read gzipped IDX files; "cifar10"/"cifar100" read the binary batches; ' +
          '"image-folder" reads train/ and test/ folders with one sub-folder of PNG/JPEG images per class.',
      ),
    path: z
      .string()
      .optional()
      .describe(
        'Folder holding the dataset files. Relative paths are resolved against the config file. ' +
          'Default for fashion-mnist: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist), then the download cache.',
      ),
    download: z
      .boolean()
      .default(false)
      .describe('Download the dataset from its official source into the cache when its files are missing (checksums verified).'),
    classes: positiveInt.min(2).max(1000).default(10).describe('synthetic only: number of classes.'),
    imageSize: positiveInt.min(8).max(64).default(28).describe('synthetic only: image height and width in pixels.'),
    trainPerClass: positiveInt.default(600).describe('synthetic only: training images per class before long-tail subsampling.'),
    testPerClass: positiveInt.default(100).describe('synthetic only: test images per class (test sets stay balanced).'),
  })
  .strict();

export const imbalanceSchema = z
  .object({
    profile: z
      .enum(['exponential', 'step', 'none'])
      .default('exponential')
      .describe(
        'exponential: n_i = floor(n_max · IF^(−i/(C−1))); step: the first half of the classes keep n_max, the rest n_max/IF; none: keep all.',
      ),
    factor: z.number().min(1).max(10000).default(100).describe('Imbalance factor IF = n_max / n_min (10, 50, 100, 200 are the usual benchmarks).'),
    maxPerClass: positiveInt
      .optional()
      .describe('n_max: training images kept for the largest class. Default: the smallest class size of the full training set.'),
  })
  .strict();

export const modelSchema = z
  .object({
    architecture: z.enum(ARCHITECTURES).default('small-cnn').describe('Network body. The last layer is always a linear classifier W h + b.'),
    featureDim: positiveInt
      .max(4096)
      .default(128)
      .describe('Dimension d of the penultimate features h. A simplex ETF needs d ≥ C − 1.'),
    hiddenUnits: z.array(positiveInt).default([256]).describe('mlp only: widths of the hidden layers before the feature layer.'),
    width: positiveInt.max(256).default(16).describe('resnet only: channels of the first stage (16 in the CIFAR ResNets).'),
  })
  .strict();

export const methodSchema = z
  .object({
    name: z.enum(METHOD_NAMES).default('cross-entropy').describe('Training method (loss and classifier).'),
  })
  .strict();

export const optimizerSchema = z
  .object({
    name: z.enum(['sgd', 'adam']).default('adam').describe('sgd: SGD with momentum (the LDAM-DRW CIFAR recipe: lr 0.1, momentum 0.9, wd 2e-4); adam: Adam.'),
    learningRate: z.number().positive().max(10).default(0.001).describe('Peak learning rate.'),
    momentum: z.number().min(0).max(0.999).default(0.9).describe('sgd only: momentum.'),
    weightDecay: z.number().min(0).max(1).default(0.0005).describe('L2 weight decay added to the gradient of every weight tensor.'),
  })
  .strict();

export const scheduleSchema = z
  .object({
    name: z
      .enum(['constant', 'step', 'cosine'])
      .default('constant')
      .describe('Learning-rate schedule after warm-up: constant, step (×gamma at each milestone) or cosine annealing to 0.'),
    warmupEpochs: z.number().int().min(0).default(0).describe('Linear warm-up from lr/10 to lr over this many epochs.'),
    milestones: z.array(positiveInt).default([]).describe('step only: epochs at which the learning rate is multiplied by gamma.'),
    gamma: z.number().positive().max(1).default(0.1).describe('step only: multiplier at each milestone.'),
  })
  .strict();

export const evaluationSchema = z
  .object({
    everyEpochs: positiveInt.default(1).describe('Evaluate metrics every k epochs (and always after the last).'),
    splits: z
      .array(z.enum(['train', 'test']))
      .min(1)
      .default(['train', 'test'])
      .describe('Splits on which NC metrics are measured. Recall and accuracy are always reported on test when it is listed.'),
  })
  .strict();

export const metricsSchema = z
  .object({
    centring: z
      .enum(['class-means', 'sample'])
      .default('class-means')
      .describe('Global mean μ_G: the mean of class means (default, robust to imbalance) or the sample mean Σh/N.'),
    tail: z
      .object({
        by: z
          .enum(['shot', 'fraction', 'classes'])
          .default('shot')
          .describe('shot: the Few-shot group (< 20 training samples), or Medium+Few when Few is empty; fraction: the smallest fraction of classes; classes: an explicit list.'),
        fraction: z.number().gt(0).lt(1).default(0.3).describe('fraction only: share of classes, taken from the smallest, counted as tail.'),
        classes: z.array(z.number().int().min(0)).default([]).describe('classes only: class indices counted as tail.'),
      })
      .strict()
      .prefault({}),
    collapseCosine: z
      .number()
      .min(-1)
      .max(1)
      .default(0.5)
      .describe('Minority collapse is flagged when the mean pairwise cosine of the tail classifier rows exceeds this value.'),
    collapseRecall: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('A tail class whose test recall falls to or below this value is flagged as collapsed.'),
    maxHeatmapClasses: positiveInt.default(100).describe('Cosine matrices larger than this are summarised per shot group instead of sent whole.'),
  })
  .strict();

export const augmentationSchema = z
  .object({
    normalise: z.boolean().default(true).describe('Subtract the training-set mean and divide by its standard deviation (per channel).'),
    randomCropPadding: z.number().int().min(0).max(16).default(0).describe('Random crop after zero padding by this many pixels (0: off).'),
    horizontalFlip: z.boolean().default(false).describe('Random horizontal flip with probability 1/2.'),
  })
  .strict();

export const runConfigSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).max(100).optional().describe('Display name of the run. Default: the config file name.'),
    dataset: datasetSchema.prefault({ name: 'auto' }),
    imbalance: imbalanceSchema.prefault({}),
    seed: z.number().int().min(0).default(0).describe('Seed for subsampling, initialisation, shuffling and augmentation.'),
    model: modelSchema.prefault({}),
    method: methodSchema.prefault({}),
    optimizer: optimizerSchema.prefault({}),
    schedule: scheduleSchema.prefault({}),
    batchSize: positiveInt.max(4096).default(128).describe('Training images per optimiser step.'),
    epochs: positiveInt.max(10000).default(20).describe('Passes over the long-tailed training set.'),
    evaluation: evaluationSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    augmentation: augmentationSchema.prefault({}),
    backend: z
      .enum(BACKENDS)
      .default('auto')
      .describe('auto tries tensorflow-gpu (@tensorflow/tfjs-node-gpu), tensorflow (@tensorflow/tfjs-node), wasm, then cpu.'),
  })
  .strict();

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type DatasetConfig = RunConfig['dataset'];
export type ModelConfig = RunConfig['model'];
export type MetricsConfig = RunConfig['metrics'];

export interface ConfigIssue {
  /** JSON path of the offending field, e.g. "optimizer.learningRate". Empty for the root. */
  path: string;
  message: string;
}

export type ParsedRunConfig = { ok: true; config: RunConfig } | { ok: false; issues: ConfigIssue[] };

export function parseRunConfig(value: unknown): ParsedRunConfig {
  const result = runConfigSchema.safeParse(value);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      // One issue per unknown key, located on the key itself, so that a typo is underlined where it is.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          path: [...path, key].join('.'),
          message: `unknown field "${key}"${path.length > 0 ? ` in ${path.join('.')}` : ''}: remove it or check its spelling`,
        }));
      }
      return [{ path: path.join('.'), message: issue.message }];
    }),
  };
}

export function formatConfigIssues(file: string, issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `${file}: ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`).join('\n');
}
