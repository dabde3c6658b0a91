/**
 * The run config (`*.ltrun.json`): defined once here, validated by the trainer and the extension,
 * and exported as the JSON Schema in `media/ltrun.schema.json` (see scripts/generate-schema.ts).
 */
import * as z from 'zod';
import { labelsConfigIssues, labelsSchema } from './labelsConfig';

export const DATASET_NAMES = ['auto', 'fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'image-folder', 'synthetic'] as const;
export const ARCHITECTURES = ['mlp', 'small-cnn', 'resnet8', 'resnet20', 'resnet32'] as const;
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const ENGINES = ['tfjs', 'pytorch'] as const;
export const METHOD_NAMES = [
  'cross-entropy',
  'class-balanced',
  'focal',
  'ldam-drw',
  'logit-adjustment',
  'balanced-softmax',
  'crt',
  'tau-normalisation',
  'etf-classifier',
  'allnc',
  'spa-reg',
  'spa-slerp',
  'spa-proj',
  'granularity',
] as const;

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

/**
 * The training method: a discriminated union on `name`, each with its own options (docs/methods.md has the
 * formulas and sources). `name` may be left out for cross-entropy, so `"method": {}` is the baseline.
 */
const runningMeanMomentum = z
  .number()
  .min(0)
  .lt(1)
  .default(0.9)
  .describe('Running class means μ̂_c ← m·μ̂_c + (1 − m)·(batch mean of class c), updated every step (a stand-in, see docs/methods.md).');
const focalGamma = z.number().min(0).max(10).default(2).describe('Focusing parameter γ of the focal loss −(1 − p_y)^γ log p_y (Lin et al. 2017; γ = 0 is cross-entropy).');
const effectiveNumberBeta = z
  .number()
  .min(0)
  .lt(1)
  .default(0.9999)
  .describe('β of the effective number E_c = (1 − β^n_c)/(1 − β); class weights ∝ 1/E_c, normalised to sum C (Cui et al. 2019).');

const methodOptions = [
  z
    .object({
      name: z.literal('cross-entropy').default('cross-entropy').describe('Softmax cross-entropy: the baseline whose tail classifiers collapse under imbalance.'),
    })
    .strict(),
  z
    .object({
      name: z.literal('class-balanced').describe('Class-balanced loss: per-class weights from the effective number of samples (Cui et al., CVPR 2019).'),
      beta: effectiveNumberBeta,
      loss: z.enum(['cross-entropy', 'focal']).default('cross-entropy').describe('The loss that is re-weighted: softmax cross-entropy or softmax focal loss.'),
      gamma: focalGamma.describe('focal only: γ of the re-weighted focal loss.'),
    })
    .strict(),
  z
    .object({
      name: z.literal('focal').describe('Softmax focal loss −(1 − p_y)^γ log p_y (Lin et al., ICCV 2017).'),
      gamma: focalGamma,
    })
    .strict(),
  z
    .object({
      name: z.literal('ldam-drw').describe('LDAM loss with deferred re-weighting (Cao et al., NeurIPS 2019).'),
      maxMargin: z.number().gt(0).max(5).default(0.5).describe('Margin of the smallest class; Δ_c = maxMargin · (n_min/n_c)^(1/4), so Δ_c ∝ n_c^(−1/4).'),
      scale: z.number().gt(0).max(100).default(30).describe('s: the cosine logits are multiplied by s before the softmax.'),
      deferredReweighting: z.boolean().default(true).describe('DRW: after `reweightAfterEpochs` epochs, weight each sample by its class-balanced weight (β below).'),
      reweightAfterEpochs: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('DRW: epochs trained without weights before re-weighting starts (the CIFAR recipe: 160 of 200). Default: 80% of `epochs`, rounded.'),
      beta: effectiveNumberBeta.describe('DRW: β of the effective-number class weights (0.9999 in the recipe).'),
      cosineClassifier: z
        .boolean()
        .default(true)
        .describe('Logits are cos(w_c, h) (rows and features L2-normalised, bias fixed at 0), as the reference code; false: the raw logits W h + b.'),
    })
    .strict(),
  z
    .object({
      name: z.literal('logit-adjustment').describe('Logit adjustment by the log class priors (Menon et al., ICLR 2021).'),
      mode: z
        .enum(['loss', 'post-hoc'])
        .default('loss')
        .describe('loss: train on softmax(logits + τ log π); post-hoc: train with cross-entropy and predict with logits − τ log π.'),
      tau: z.number().min(0).max(10).default(1).describe('τ: the strength of the adjustment (1 is Bayes-consistent for the balanced error).'),
    })
    .strict(),
  z
    .object({ name: z.literal('balanced-softmax').describe('Balanced Softmax: cross-entropy on logits + log n_c (Ren et al., NeurIPS 2020).') })
    .strict(),
  z
    .object({
      name: z.literal('crt').describe('Decoupled classifier re-training (Kang et al., ICLR 2020): cross-entropy, then a second stage that re-trains a re-initialised classifier on the frozen body with class-balanced sampling.'),
      classifierEpochs: z
        .number()
        .int()
        .positive()
        .default(5)
        .describe('Length of the second stage: the last `classifierEpochs` of `epochs` (must be fewer than `epochs`).'),
      classifierLearningRate: z
        .number()
        .positive()
        .max(10)
        .optional()
        .describe('Peak learning rate of the second stage, cosine-decayed to 0 over it. Default: optimizer.learningRate.'),
    })
    .strict(),
  z
    .object({
      name: z.literal('tau-normalisation').describe('τ-normalisation (Kang et al., ICLR 2020): cross-entropy training, predictions with w_c/‖w_c‖^τ and no bias.'),
      tau: z.number().min(0).max(2).default(1).describe('τ: 0 keeps W, 1 normalises every row to unit norm.'),
    })
    .strict(),
  z
    .object({
      name: z
        .literal('etf-classifier')
        .describe('Fixed simplex-ETF classifier with the dot-regression loss (Yang et al., NeurIPS 2022); features are L2-normalised, without a final ReLU. Needs featureDim ≥ C − 1.'),
    })
    .strict(),
  z
    .object({
      name: z.literal('allnc').describe('All-around neural collapse (arXiv 2408.07253), with documented stand-ins for its losses (exact formulas not public).'),
      hyconWeight: z.number().min(0).max(100).default(1).describe('Weight of the HyCon stand-in 1 − cos(h_i, sg(μ̂_{y_i})).'),
      peerWeight: z.number().min(0).max(100).default(1).describe('Weight of the peer-to-peer stand-in: mean over classes of 1 − cos(w_c, sg(μ̂_c − μ̂_G)).'),
      momentum: runningMeanMomentum,
    })
    .strict(),
  z
    .object({
      name: z.literal('spa-reg').describe('Space alignment, regulariser (arXiv 2512.07844; stand-in): cross-entropy + λ · mean_c (1 − cos(w_c, μ_c − μ_G)).'),
      weight: z.number().min(0).max(100).default(1).describe('λ: weight of the cosine alignment regulariser.'),
      momentum: runningMeanMomentum,
    })
    .strict(),
  z
    .object({
      name: z.literal('spa-slerp').describe('Space alignment by SLERP (arXiv 2512.07844; stand-in): after each step, w_c moves along the great circle toward the centred class mean.'),
      rate: z.number().gt(0).max(1).default(0.01).describe('t: fraction of the angle between w_c and μ̂_c − μ̂_G closed after each step (norms kept).'),
      momentum: runningMeanMomentum,
    })
    .strict(),
  z
    .object({
      name: z.literal('spa-proj').describe('Space alignment by projection (arXiv 2512.07844; stand-in): after each step, W is projected onto the span of the centred class means.'),
      strength: z.number().gt(0).max(1).default(1).describe('s: W ← (1 − s)·W + s·W P_M with P_M the orthogonal projector onto span(M).'),
      momentum: runningMeanMomentum,
    })
    .strict(),
  z
    .object({
      name: z
        .literal('granularity')
        .describe('Category extrapolation (arXiv 2410.15980): auxiliary classes held out of the dataset train extra classifier rows under a neighbor-silencing loss (stand-in) and are masked at evaluation.'),
      auxiliaryClasses: z
        .array(z.number().int().min(0), { error: 'granularity needs auxiliaryClasses: the dataset class indices held out as auxiliary classes, e.g. [8, 9]' })
        .min(1, { error: 'list at least one dataset class index to hold out as an auxiliary class, e.g. [8, 9]' })
        .describe('Dataset class indices held out of the target set and used as auxiliary classes (e.g. [8, 9] on Fashion-MNIST). The other classes are the targets, re-numbered in order; the imbalance profile applies to them.'),
      auxiliaryPerClass: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Training images kept per auxiliary class. Default: the largest target class count (n_max).'),
      silencedNeighbours: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('For a target sample, the auxiliary logits silenced (left out of its softmax): the k largest. Default: all auxiliary classes.'),
    })
    .strict(),
] as const;

export const methodSchema = z
  .discriminatedUnion('name', methodOptions, {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown method: use one of ${METHOD_NAMES.map((name) => `"${name}"`).join(', ')}` : undefined,
  })
  .describe(
    `Training method: "name" (${METHOD_NAMES.join(', ')}; default cross-entropy) and that method's options. Formulas, sources and options: docs/methods.md.`,
  );

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
    engine: z
      .enum(ENGINES)
      .default('tfjs')
      .describe(
        'Which trainer runs the config. tfjs (default): the bundled TensorFlow.js trainer (Node). pytorch: `python -m ncmonitor.train` with the interpreter of ncMonitor.python.interpreterPath (or the Python extension\'s), on CUDA when available, else CPU; it needs PyTorch, and implements the methods listed in docs/pytorch.md.',
      ),
    dataset: datasetSchema.prefault({ name: 'auto' }),
    imbalance: imbalanceSchema.prefault({}),
    seed: z.number().int().min(0).default(0).describe('Seed for subsampling, initialisation, shuffling and augmentation.'),
    model: modelSchema.prefault({}),
    method: methodSchema.prefault({}),
    labels: labelsSchema.prefault({}),
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
      .describe(
        'tfjs engine: auto tries tensorflow-gpu (@tensorflow/tfjs-node-gpu), tensorflow (@tensorflow/tfjs-node), wasm, then cpu. pytorch engine: auto uses CUDA when torch sees a GPU, else the CPU; cpu forces the CPU; the tfjs-only values fall back to auto with a warning.',
      ),
  })
  .strict()
  .superRefine((config, context) => {
    // Multi-label mode constrains other sections (the method, the label files): src/protocol/labelsConfig.ts.
    for (const issue of labelsConfigIssues(config)) context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

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
