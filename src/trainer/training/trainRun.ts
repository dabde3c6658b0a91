import { writeFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { StoredRunConfig } from '../../protocol/runFolder';
import type { EvaluationReport, Split } from '../../protocol/metrics';
import type { Reporter } from '../reporting/reporter';
import type { RunFolder } from '../runFolder';
import { writeJsonAtomically } from '../runFolder';
import { selectBackend } from '../backend/selectBackend';
import { defaultDatasetCacheDirectory, loadDatasetSplits, normalisationStatistics, toFloatBatch } from '../data';
import type { ChannelStatistics } from '../data';
import { SeededRandom } from '../random';
import { buildModel, describeModel } from '../models/createModel';
import type { ClassifierModel } from '../models/classifierModel';
import { CollapseTracker, collapseEvaluationOf, evaluateNeuralCollapse } from '../metrics';
import type { ClassMeanGeometry } from '../metrics';
import { classBalancedOrder, createMethod, DEFAULT_EPOCH_PLAN, loadTrainingData } from '../methods';
import type { EpochPlan, TrainingData, TrainingMethod } from '../methods';
import { binaryCrossEntropyMethod } from '../methods/multiLabel';
import type { LabelMatrix } from '../methods/multiLabel';
import { Optimizer } from './optimizer';
import { learningRateAt } from './learningRateSchedule';
import { collectFeatures } from './evaluate';
import { addMultiLabelPart, saveMultiLabelPredictions, singleLabelSamples } from './multiLabelEvaluation';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import type { StopSignal } from './stopSignal';
import { replayCollapseHistory } from './resume';

export interface TrainRunOptions {
  stored: StoredRunConfig;
  folder: RunFolder;
  reporter: Reporter;
  stop: StopSignal;
  /** Continue from the run folder's checkpoint. */
  resume: boolean;
}

export interface TrainRunOutcome {
  stopped: boolean;
  /** Last finished epoch. */
  epoch: number;
}

/**
 * The whole run: backend, data, model, then epochs of training with an evaluation of every metric each
 * `evaluation.everyEpochs` epochs (and after the last), a checkpoint after each epoch, and a graceful stop.
 */
export async function trainRun({ stored, folder, reporter, stop, resume }: TrainRunOptions): Promise<TrainRunOutcome> {
  const { config } = stored;
  writeFileSync(folder.pidPath, String(process.pid));
  try {
    const backend = await selectBackend(config.backend);
    for (const skipped of backend.reasons)
      reporter.report({ type: 'log', level: 'info', message: `backend ${skipped.backend} skipped: ${skipped.skipped}` });
    reporter.report({ type: 'log', level: 'info', message: `backend: ${backend.detail}` });

    // Methods with auxiliary classes (granularity) and multi-label runs load the data their own way; the rest get the
    // config's splits.
    const configDir = dirname(stored.sourceFile);
    const splits = await loadTrainingData(
      { method: config.method, imbalance: config.imbalance, seed: config.seed, labels: config.labels, configDir },
      (imbalance) =>
        loadDatasetSplits(config.dataset, imbalance, config.seed, {
          configDir,
          cacheDir: defaultDatasetCacheDirectory(),
          onProgress: (message: string) => reporter.report({ type: 'log', level: 'info', message }),
        }),
    );
    const { train, test } = splits;
    const classCount = splits.classNames.length;
    const stats = config.augmentation.normalise ? normalisationStatistics(train) : undefined;
    const methodContext = {
      trainCounts: splits.rowTrainCounts,
      targetClassCount: classCount,
      featureDim: config.model.featureDim,
      totalEpochs: config.epochs,
      seed: config.seed,
      learningRate: config.optimizer.learningRate,
    };
    // Multi-label runs train one sigmoid per label with binary cross-entropy (the schema allows no other method there).
    const method = splits.multiLabel === undefined ? createMethod(config.method, methodContext) : binaryCrossEntropyMethod();
    const description = describeModel(config.model, {
      inputShape: [train.height, train.width, train.channels],
      numClasses: splits.rowTrainCounts.length,
    });
    if (method.featureOutput !== undefined && method.featureOutput !== 'relu') description.featureOutput = method.featureOutput;
    const model = buildModel(description, config.seed);
    method.prepare?.(model);
    let optimizer = new Optimizer(config.optimizer);
    let startEpoch = 0;
    const tracker = new CollapseTracker(
      { collapseCosine: config.metrics.collapseCosine, collapseRecall: config.metrics.collapseRecall },
      splits.classNames,
    );
    if (resume) {
      startEpoch = (await loadCheckpoint(folder.checkpointPath, model, optimizer)).epoch;
      replayCollapseHistory(folder.eventsPath, tracker, startEpoch);
    }

    const diagnostics: string[] = [];
    if (config.model.featureDim < classCount - 1) {
      diagnostics.push(`featureDim ${config.model.featureDim} < C − 1 = ${classCount - 1}: the class means cannot reach a simplex ETF`);
    }
    if (splits.multiLabel !== undefined) {
      diagnostics.push(
        `multi-label run: ${classCount} labels, sigmoid outputs trained with binary cross-entropy; the training counts are label counts; train accuracy is the exact-match rate (every label right at σ(z) > 0.5); NC1–NC4 and per-class recall are computed on the single-label samples, per-label recall and precision on all`,
      );
    }
    reporter.report({
      type: 'run/didStart',
      runName: stored.runName,
      runFolder: folder.path,
      startedAt: new Date().toISOString(),
      config: config as unknown as Record<string, unknown>,
      backend: { name: backend.name, skipped: backend.reasons.map(({ backend: name, skipped }) => ({ backend: name, reason: skipped })) },
      dataset: { source: splits.source, classNames: splits.classNames, trainCounts: splits.trainCounts, testCount: test.count },
      totalEpochs: config.epochs,
      startEpoch,
      diagnostics,
    });
    reporter.report({
      type: 'log',
      level: 'info',
      message: `${splits.source}: ${train.count} training images (${splits.trainCounts.join('/')}), ${test.count} test; model ${config.model.architecture} with ${model.parameterCount()} parameters`,
    });

    let epoch = startEpoch;
    let stopped = false;
    while (epoch < config.epochs && !stopped) {
      const plan = method.planEpoch?.(epoch + 1, model) ?? DEFAULT_EPOCH_PLAN;
      if (plan.resetOptimizer) {
        optimizer.dispose();
        optimizer = new Optimizer(config.optimizer);
      }
      const finished = await trainEpoch({ splits, stats, model, method, plan, optimizer, epoch: epoch + 1, stored, stop });
      if (finished.aborted) {
        stopped = true;
        break;
      }
      epoch++;
      reporter.report({
        type: 'epoch/didEnd',
        epoch,
        totalEpochs: config.epochs,
        loss: finished.loss,
        trainAccuracy: finished.accuracy,
        learningRate: finished.learningRate,
        durationMs: finished.durationMs,
        imagesPerSecond: finished.imagesPerSecond,
      });
      if (!Number.isFinite(finished.loss))
        throw Object.assign(
          new Error(`the loss became ${finished.loss} at epoch ${epoch}: training diverged. Lower optimizer.learningRate.`),
          { epoch },
        );
      if (epoch % config.evaluation.everyEpochs === 0 || epoch === config.epochs) {
        const started = Date.now();
        const { reports, predictions } = evaluate(splits, stats, model, method, stored, epoch);
        for (const saved of predictions) await saveMultiLabelPredictions(folder.path, saved.split, saved.logits, saved.labels);
        const collapseEvaluation = collapseEvaluationOf(reports);
        const collapse = collapseEvaluation === undefined ? tracker.flag : tracker.update(collapseEvaluation);
        reporter.report({ type: 'metrics/didUpdate', epoch, reports, collapse, evaluationMs: Date.now() - started });
      }
      await saveCheckpoint(folder.checkpointPath, model, optimizer, { epoch, optimizer: config.optimizer.name });
      stopped = stop.requested;
    }
    if (stopped) {
      reporter.report({
        type: 'log',
        level: 'info',
        message: `stopping (${stop.reason ?? 'requested'}): checkpoint of epoch ${epoch} kept; continue with --resume ${folder.path}`,
      });
    }
    writeJsonAtomically(folder.summaryPath, {
      runId: folder.runId,
      runName: stored.runName,
      reason: stopped ? 'stopped' : 'completed',
      epoch,
      totalEpochs: config.epochs,
      backend: backend.name,
      dataset: splits.source,
      collapse: tracker.flag,
    });
    model.dispose();
    optimizer.dispose();
    method.dispose?.();
    return { stopped, epoch };
  } finally {
    rmSync(folder.pidPath, { force: true });
  }
}

interface EpochInput {
  splits: TrainingData;
  stats: ChannelStatistics | undefined;
  model: ClassifierModel;
  method: TrainingMethod;
  plan: EpochPlan;
  optimizer: Optimizer;
  /** 1-based. */
  epoch: number;
  stored: StoredRunConfig;
  stop: StopSignal;
}

/** One pass over the shuffled training set; stops after the current step when a stop is requested. */
async function trainEpoch({ splits, stats, model, method, plan, optimizer, epoch, stored, stop }: EpochInput) {
  const { config } = stored;
  const { train } = splits;
  const started = Date.now();
  // One random stream per epoch (shuffle + augmentation): a resumed run sees the same batches as an uninterrupted one.
  const random = SeededRandom.derive(config.seed, 'epoch', epoch);
  const classCount = splits.rowTrainCounts.length;
  let order: Int32Array;
  if (plan.sampling === 'class-balanced') order = classBalancedOrder(train.labels, classCount, train.count, random);
  else {
    order = Int32Array.from({ length: train.count }, (_, i) => i);
    random.shuffle(order);
  }
  const stepsPerEpoch = Math.ceil(train.count / config.batchSize);
  // A classifier-only stage trains W and b on a body in inference mode (batch norm frozen).
  const variables = plan.classifierOnly
    ? [model.classifier.weights, model.classifier.bias].filter((variable) => variable.trainable)
    : model.trainableVariables;
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  for (let step = 0; step < stepsPerEpoch; step++) {
    // Steps are synchronous tensor work: yield to the event loop between them so that the socket sends, receives
    // acknowledgements and run/stop, and SIGTERM is handled within one step instead of one epoch.
    await yieldToEventLoop();
    if (stop.requested) return { aborted: true as const };
    optimizer.learningRate = plan.learningRate
      ? plan.learningRate(step / stepsPerEpoch)
      : learningRateAt(epoch - 1 + step / stepsPerEpoch, config.optimizer, config.schedule, config.epochs);
    const indices = order.subarray(step * config.batchSize, Math.min((step + 1) * config.batchSize, train.count));
    const pixels = toFloatBatch(train, indices, {
      ...(stats === undefined ? {} : { stats }),
      augmentation: { randomCropPadding: config.augmentation.randomCropPadding, horizontalFlip: config.augmentation.horizontalFlip },
      random,
    });
    const labelValues = Int32Array.from(indices, (index) => train.labels[index] ?? 0);
    const targetRows = splits.multiLabel === undefined ? undefined : multiHotRows(splits.multiLabel.train, indices);
    let batchCorrect = 0;
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [indices.length, train.height, train.width, train.channels]);
      const labels = tf.tensor1d(labelValues, 'int32');
      const oneHot = tf.oneHot(labels, classCount).toFloat() as tf.Tensor2D;
      const multiHot = targetRows === undefined ? undefined : tf.tensor2d(targetRows, [indices.length, classCount]);
      return optimizer.minimize(() => {
        const { features, logits } = model.forward(x, !plan.classifierOnly);
        // Multi-label: a sample counts as right when every label is (exact match at σ(z) > 0.5, i.e. z > 0).
        const right =
          multiHot === undefined
            ? tf.equal(tf.argMax(logits, 1), labels)
            : tf.all(tf.equal(tf.greater(logits, 0), tf.cast(multiHot, 'bool')), 1);
        batchCorrect = tf.sum(tf.cast(right, 'int32')).dataSync()[0] ?? 0;
        return method.loss({ features, logits, labels, oneHot, epoch, model, ...(multiHot === undefined ? {} : { multiHot }) });
      }, variables);
    });
    method.afterStep?.(model);
    lossSum += loss * indices.length;
    correct += batchCorrect;
    seen += indices.length;
  }
  const durationMs = Date.now() - started;
  return {
    aborted: false as const,
    loss: lossSum / Math.max(seen, 1),
    accuracy: correct / Math.max(seen, 1),
    learningRate: optimizer.learningRate,
    durationMs,
    imagesPerSecond: seen / Math.max(durationMs / 1000, 1e-6),
  };
}

/** Rows of the multi-hot label matrix, as float32 targets (N × C). */
function multiHotRows(labels: LabelMatrix, indices: ArrayLike<number>): Float32Array {
  const C = labels.classCount;
  const rows = new Float32Array(indices.length * C);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    for (let c = 0; c < C; c++) rows[i * C + c] = labels.values[row * C + c] as number;
  }
  return rows;
}

interface SplitPredictions {
  split: Split;
  logits: Float32Array;
  labels: LabelMatrix;
}

/**
 * Every metric on each configured split; the test split's nearest-centre rule uses the training class means. A method
 * may replace the classifier that predicts (post-hoc adjustment, auxiliary rows masked): the metrics then use it, and
 * predictions are recomputed from it. Multi-label runs: NC metrics on the single-label samples, plus the multi-label
 * part of the report, and the logits to save (multiLabelEvaluation.ts).
 */
function evaluate(
  splits: TrainingData,
  stats: ChannelStatistics | undefined,
  model: ClassifierModel,
  method: TrainingMethod,
  stored: StoredRunConfig,
  epoch: number,
): { reports: EvaluationReport[]; predictions: SplitPredictions[] } {
  const { config } = stored;
  const classifier = method.evaluationClassifier ? method.evaluationClassifier(model.classifierWeights()) : model.classifierWeights();
  const reports: EvaluationReport[] = [];
  const predictions: SplitPredictions[] = [];
  let trainGeometry: ClassMeanGeometry | undefined;
  const order = [...config.evaluation.splits].sort((a, b) => (a === 'train' ? -1 : b === 'train' ? 1 : 0));
  for (const split of order) {
    const dataset = split === 'train' ? splits.evaluationTrain : splits.test;
    const multiHot = splits.multiLabel === undefined ? undefined : split === 'train' ? splits.multiLabel.train : splits.multiLabel.test;
    // A multi-label split without labels (no labels.testPath) cannot be scored; the schema requires them when listed.
    if (splits.multiLabel !== undefined && multiHot === undefined) continue;
    const collected = collectFeatures(model, dataset, stats, { logits: multiHot !== undefined });
    const samples = multiHot === undefined ? collected : singleLabelSamples(collected, multiHot);
    const { report, geometry } = evaluateNeuralCollapse({
      epoch,
      split,
      features: samples.features,
      labels: samples.labels,
      featureDim: samples.featureDim,
      classifier,
      trainCounts: splits.trainCounts,
      metrics: config.metrics,
      ...(method.evaluationClassifier ? {} : { predictions: samples.predictions }),
      ...(trainGeometry === undefined ? {} : { trainGeometry }),
    });
    if (split === 'train') trainGeometry = geometry;
    if (multiHot === undefined || splits.multiLabel === undefined || collected.logits === undefined) {
      reports.push(report);
      continue;
    }
    reports.push(addMultiLabelPart(report, collected, multiHot, splits.multiLabel.train, config.metrics.maxHeatmapClasses));
    predictions.push({ split, logits: collected.logits, labels: multiHot });
  }
  return { reports, predictions };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
