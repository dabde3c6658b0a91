/**
 * The `labels` section of the run config: single-label (the default) or multi-label training, where the multi-hot
 * labels come from and how generated ones are drawn. Kept beside runConfig.ts, which embeds it and runs the
 * cross-field checks below as a refinement (so the trainer and the editor refuse the same configs).
 */
import * as z from 'zod';

export const LABEL_MODES = ['single', 'multi-label'] as const;
export const LABEL_SOURCES = ['generated', 'file'] as const;
/**
 * Methods a multi-label run accepts. Every other method is defined on one softmax over mutually exclusive classes
 * (margins, logit adjustment, a simplex ETF, class-mean pulls): they have no meaning for independent sigmoids.
 */
export const MULTI_LABEL_METHODS: readonly string[] = ['cross-entropy'];
/** A label is predicted where σ(z) > 0.5, i.e. where its logit z > 0. */
export const MULTI_LABEL_THRESHOLD = 0.5;

export const labelsSchema = z
  .object({
    mode: z
      .enum(LABEL_MODES)
      .default('single')
      .describe(
        'single (default): one class per image, softmax outputs. multi-label: any number of labels per image (multi-hot targets), one sigmoid output per label trained with binary cross-entropy; the method must be cross-entropy (it then means binary cross-entropy). See docs/methods.md, "Multi-label mode".',
      ),
    source: z
      .enum(LABEL_SOURCES)
      .default('generated')
      .describe(
        'multi-label only. generated: correlated, imbalanced multi-label images built from the single-label dataset (primary label drawn from the imbalance profile, an optional second label, images superimposed). file: multi-hot labels read from `path` (training images) and `testPath` (test images).',
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'source "file": label file of the training images, relative to the config file. CSV: a header of label names (an optional first column sample/id/file is ignored), then one 0/1 row per image; or JSON: {"classNames": [...], "labels": [[0, 2], [1], ...]} or {"classNames": [...], "multiHot": [[1, 0, 1], ...]}. One row per training image of the dataset, in the order its loader reads them (before any subsampling).',
      ),
    testPath: z
      .string()
      .min(1)
      .optional()
      .describe(
        'source "file": the label file of the test images, same layout and label names as `path`. Required when evaluation.splits lists "test".',
      ),
    secondLabelProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('source "generated": probability that an image gets a second label.'),
    correlation: z
      .number()
      .min(0)
      .max(1)
      .default(0.8)
      .describe(
        'source "generated": probability that the second label is the primary label\'s partner (c + 1) mod C; otherwise it is drawn from the imbalance profile. High values make labels co-occur in a fixed pattern.',
      ),
    trainSamples: z
      .number()
      .int()
      .positive()
      .max(10_000_000)
      .optional()
      .describe(
        'source "generated": training images to generate. Default: the size of the long-tailed training set the imbalance profile gives.',
      ),
    testSamples: z
      .number()
      .int()
      .positive()
      .max(10_000_000)
      .optional()
      .describe('source "generated": test images to generate, with balanced primary labels. Default: the size of the test split.'),
  })
  .strict();

export type LabelsConfig = z.output<typeof labelsSchema>;

/** What the cross-field checks read of a run config (structural, so that this file does not import runConfig.ts). */
export interface LabelsCheckInput {
  labels: LabelsConfig;
  method: { name: string };
  evaluation: { splits: readonly string[] };
}

export interface LabelsConfigIssue {
  path: string[];
  message: string;
}

/** Cross-field problems of a multi-label config, each at the field to change; empty for single-label configs. */
export function labelsConfigIssues(config: LabelsCheckInput): LabelsConfigIssue[] {
  const { labels } = config;
  if (labels.mode !== 'multi-label') return [];
  const issues: LabelsConfigIssue[] = [];
  if (!MULTI_LABEL_METHODS.includes(config.method.name)) {
    issues.push({
      path: ['method', 'name'],
      message: `method "${config.method.name}" is single-label only: multi-label mode trains one sigmoid per label with binary cross-entropy. Remove "method" (or set "name": "cross-entropy", which means binary cross-entropy here), or set labels.mode to "single"`,
    });
  }
  if (labels.source === 'file') {
    if (labels.path === undefined) {
      issues.push({
        path: ['labels', 'path'],
        message: 'labels.source "file" needs "path": the label file (.csv or .json) with one row per training image',
      });
    }
    if (labels.testPath === undefined && config.evaluation.splits.includes('test')) {
      issues.push({
        path: ['labels', 'testPath'],
        message:
          'labels.source "file" needs "testPath" (the label file of the test images) when evaluation.splits lists "test"; or evaluate on ["train"] only',
      });
    }
  }
  return issues;
}
