/**
 * Cross-field checks of a run config that a JSON Schema cannot express. Pure (no vscode): the file system is
 * reached through `FileFacts`, so the checks are unit-tested in Node and used by the DiagnosticCollection.
 */
import { findNodeAtLocation } from 'jsonc-parser';
import type { Node } from 'jsonc-parser';
import type { RunConfig } from '../../protocol/runConfig';
import { longTailCounts, tailSelection } from '../../protocol/longTail';
import { PYTORCH_ENGINE_METHODS, TFJS_ONLY_BACKENDS } from '../../protocol/engines';
import { multiLabelChecks } from './multiLabelChecks';

export type Severity = 'error' | 'warning' | 'information';

export type QuickFix =
  | { kind: 'replaceValue'; title: string; path: (string | number)[]; value: unknown }
  | { kind: 'removeProperty'; title: string; path: (string | number)[] }
  | { kind: 'chooseFolder'; title: string; path: (string | number)[] };

export interface SemanticIssue {
  code: string;
  severity: Severity;
  message: string;
  /** Where to underline: the deepest existing node on this path. */
  path: (string | number)[];
  fixes: QuickFix[];
}

export interface FileFacts {
  /** Absolute path of a dataset path as written (resolved against the config's folder). */
  resolve(path: string): string;
  exists(absolutePath: string): boolean;
  /** Number of class sub-folders of an image folder's train/ split, undefined when unknown. */
  imageFolderClassCount(absolutePath: string): number | undefined;
}

/** Training images per class of the full built-in datasets (the smallest class, which is what n_max defaults to). */
const FULL_DATASET_MAX_PER_CLASS: Record<string, number> = {
  'fashion-mnist': 6000,
  mnist: 5421,
  cifar10: 5000,
  cifar100: 500,
};

export const ETF_METHODS: readonly string[] = ['etf-classifier'];

export function classCountOf(config: RunConfig, facts: FileFacts): number | undefined {
  switch (config.dataset.name) {
    case 'auto':
    case 'fashion-mnist':
    case 'mnist':
    case 'cifar10':
      return 10;
    case 'cifar100':
      return 100;
    case 'synthetic':
      return config.dataset.classes;
    case 'image-folder':
      return config.dataset.path === undefined ? undefined : facts.imageFolderClassCount(facts.resolve(config.dataset.path));
  }
}

function maxPerClassOf(config: RunConfig): number | undefined {
  if (config.imbalance.maxPerClass !== undefined) return config.imbalance.maxPerClass;
  if (config.dataset.name === 'synthetic') return config.dataset.trainPerClass;
  if (config.dataset.name === 'auto') return FULL_DATASET_MAX_PER_CLASS['fashion-mnist'];
  return FULL_DATASET_MAX_PER_CLASS[config.dataset.name];
}

export function semanticChecks(config: RunConfig, tree: Node, facts: FileFacts): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const isSet = (path: (string | number)[]) => findNodeAtLocation(tree, path) !== undefined;

  // Dataset files.
  if (config.dataset.path !== undefined && config.dataset.name !== 'synthetic' && config.dataset.name !== 'auto') {
    const absolute = facts.resolve(config.dataset.path);
    if (!facts.exists(absolute)) {
      issues.push({
        code: 'dataset-path-missing',
        severity: config.dataset.download ? 'information' : 'error',
        message: config.dataset.download
          ? `${absolute} does not exist yet: the trainer will download ${config.dataset.name} there.`
          : `Dataset folder ${absolute} does not exist. Pick the folder that holds the ${config.dataset.name} files, or set "download": true.`,
        path: ['dataset', 'path'],
        fixes: config.dataset.download ? [] : [{ kind: 'chooseFolder', title: 'Choose the dataset folder…', path: ['dataset', 'path'] }],
      });
    }
  }
  if (config.dataset.name === 'image-folder' && config.dataset.path === undefined) {
    issues.push({
      code: 'image-folder-needs-path',
      severity: 'error',
      message: 'An image-folder dataset needs "path": a folder with train/ and test/, each with one sub-folder of images per class.',
      path: ['dataset'],
      fixes: [{ kind: 'chooseFolder', title: 'Choose the image folder…', path: ['dataset', 'path'] }],
    });
  }

  const datasetClassCount = classCountOf(config, facts);
  // Granularity holds auxiliary classes out of the targets: the classifier's target classes are the rest.
  const classCount =
    datasetClassCount !== undefined && config.method.name === 'granularity' ? datasetClassCount - config.method.auxiliaryClasses.length : datasetClassCount;
  if (config.method.name === 'granularity' && datasetClassCount !== undefined) {
    const outside = config.method.auxiliaryClasses.filter((c) => c >= datasetClassCount);
    if (outside.length > 0 || (classCount ?? 0) < 2) {
      issues.push({
        code: 'auxiliary-classes-invalid',
        severity: 'error',
        message:
          outside.length > 0
            ? `auxiliaryClasses ${outside.join(', ')} do not exist: the dataset has classes 0…${datasetClassCount - 1}.`
            : 'auxiliaryClasses leave fewer than two target classes.',
        path: ['method', 'auxiliaryClasses'],
        fixes: [],
      });
    }
  }
  if (config.method.name === 'crt' && config.method.classifierEpochs >= config.epochs) {
    const fixed = Math.max(1, Math.floor(config.epochs / 4));
    issues.push({
      code: 'crt-stage-too-long',
      severity: 'error',
      message: `classifierEpochs ${config.method.classifierEpochs} must be fewer than epochs ${config.epochs}: cRT first learns the representation, then re-trains the classifier in the last classifierEpochs.`,
      path: ['method', 'classifierEpochs'],
      fixes: [{ kind: 'replaceValue', title: `Set classifierEpochs to ${fixed}`, path: ['method', 'classifierEpochs'], value: fixed }],
    });
  }
  // Feature dimension vs the simplex ETF (Papyan et al. 2020: a C-class simplex ETF spans C − 1 dimensions).
  if (classCount !== undefined && config.model.featureDim < classCount - 1) {
    const etf = ETF_METHODS.includes(config.method.name);
    issues.push({
      code: 'feature-dim-below-etf',
      severity: etf ? 'error' : 'warning',
      message:
        `featureDim ${config.model.featureDim} < C − 1 = ${classCount - 1}: the class means can never form a simplex ETF` +
        (etf ? `, and the fixed ETF classifier of ${config.method.name} cannot be built.` : ', so NC2 cannot reach 0.'),
      path: ['model', 'featureDim'],
      fixes: [{ kind: 'replaceValue', title: `Raise featureDim to C − 1 = ${classCount - 1}`, path: ['model', 'featureDim'], value: classCount - 1 }],
    });
  }

  // The long-tailed profile.
  const maxPerClass = maxPerClassOf(config);
  if (classCount !== undefined && maxPerClass !== undefined) {
    const counts = longTailCounts(config.imbalance.profile, maxPerClass, config.imbalance.factor, classCount);
    const empty = counts.map((count, index) => ({ count, index })).filter(({ count }) => count < 1);
    if (empty.length > 0) {
      issues.push({
        code: 'imbalance-empties-class',
        severity: 'error',
        message: `Imbalance factor ${config.imbalance.factor} with n_max ${maxPerClass} leaves ${empty.length} class(es) without a training sample (classes ${empty
          .map(({ index }) => index)
          .slice(0, 10)
          .join(', ')}). Lower the factor to at most ${maxPerClass} or raise maxPerClass.`,
        path: ['imbalance', 'factor'],
        fixes: [{ kind: 'replaceValue', title: `Set the factor to ${maxPerClass}`, path: ['imbalance', 'factor'], value: maxPerClass }],
      });
    }
    const tail = tailSelection(config.metrics.tail, counts);
    if (tail.length === 0) {
      issues.push({
        code: 'tail-selects-nothing',
        severity: 'warning',
        message:
          config.metrics.tail.by === 'classes'
            ? `metrics.tail.classes selects no class of 0…${classCount - 1}: minority collapse cannot be measured.`
            : 'The tail definition selects no class (every class has more than 100 training samples): minority collapse cannot be measured. Use "by": "fraction".',
        path: ['metrics', 'tail'],
        fixes: config.metrics.tail.by === 'fraction' ? [] : [{ kind: 'replaceValue', title: 'Count the smallest 30% of classes as tail', path: ['metrics', 'tail'], value: { by: 'fraction', fraction: 0.3 } }],
      });
    }
  }

  // Sane optimisation ranges.
  const lr = config.optimizer.learningRate;
  const lrLimit = config.optimizer.name === 'adam' ? 0.05 : 1;
  if (lr > lrLimit || lr < 1e-6) {
    const suggestion = config.optimizer.name === 'adam' ? 0.001 : 0.1;
    issues.push({
      code: 'learning-rate-range',
      severity: 'warning',
      message: `learningRate ${lr} is outside the usual range for ${config.optimizer.name} (${config.optimizer.name === 'adam' ? '1e-5…1e-2' : '1e-3…0.5'}); training will likely ${lr > lrLimit ? 'diverge' : 'not move'}.`,
      path: ['optimizer', 'learningRate'],
      fixes: [{ kind: 'replaceValue', title: `Set learningRate to ${suggestion}`, path: ['optimizer', 'learningRate'], value: suggestion }],
    });
  }
  if (config.batchSize < 8 || config.batchSize > 1024) {
    issues.push({
      code: 'batch-size-range',
      severity: 'warning',
      message: `batchSize ${config.batchSize} is outside 8…1024: ${config.batchSize < 8 ? 'batch-norm statistics and gradients get very noisy' : 'the tail classes barely appear per epoch of steps, and memory grows'}.`,
      path: ['batchSize'],
      fixes: [{ kind: 'replaceValue', title: 'Set batchSize to 128', path: ['batchSize'], value: 128 }],
    });
  }

  // Options that have no effect with the chosen settings.
  const unused = (path: (string | number)[], why: string) => {
    if (!isSet(path)) return;
    issues.push({
      code: 'option-has-no-effect',
      severity: 'information',
      message: `${path.join('.')} has no effect: ${why}.`,
      path,
      fixes: [{ kind: 'removeProperty', title: `Remove ${path.join('.')}`, path }],
    });
  };
  if (config.optimizer.name !== 'sgd') unused(['optimizer', 'momentum'], 'momentum is used by sgd only (adam has its own moments)');
  if (config.schedule.name !== 'step') {
    unused(['schedule', 'milestones'], 'milestones are used by the step schedule only');
    unused(['schedule', 'gamma'], 'gamma is used by the step schedule only');
  }
  if (config.model.architecture !== 'mlp') unused(['model', 'hiddenUnits'], 'hiddenUnits are used by the mlp only');
  if (!config.model.architecture.startsWith('resnet')) unused(['model', 'width'], 'width is used by the resnets only');
  if (config.dataset.name !== 'synthetic') {
    for (const key of ['classes', 'imageSize', 'trainPerClass', 'testPerClass']) unused(['dataset', key], `${key} is used by the synthetic dataset only`);
  }
  if (config.metrics.tail.by !== 'fraction') unused(['metrics', 'tail', 'fraction'], 'fraction is used when tail.by is "fraction"');
  if (config.metrics.tail.by !== 'classes') unused(['metrics', 'tail', 'classes'], 'classes is used when tail.by is "classes"');
  if (config.imbalance.profile === 'none') unused(['imbalance', 'factor'], 'the profile "none" keeps every class at n_max');
  issues.push(...engineChecks(config));
  issues.push(...multiLabelChecks(config, facts, unused));
  return issues;
}

/** What the chosen engine cannot do: a method only the TensorFlow.js trainer has, or a backend only it knows. */
function engineChecks(config: RunConfig): SemanticIssue[] {
  if (config.engine !== 'pytorch') return [];
  const issues: SemanticIssue[] = [];
  if (!PYTORCH_ENGINE_METHODS.includes(config.method.name)) {
    issues.push({
      code: 'engine-method',
      severity: 'error',
      message: `method "${config.method.name}" is implemented by the tfjs engine only; the pytorch engine has ${PYTORCH_ENGINE_METHODS.join(', ')}.`,
      path: ['method', 'name'],
      fixes: [{ kind: 'replaceValue', title: 'Run this config with the tfjs engine', path: ['engine'], value: 'tfjs' }],
    });
  }
  if (TFJS_ONLY_BACKENDS.includes(config.backend)) {
    issues.push({
      code: 'engine-backend',
      severity: 'warning',
      message: `backend "${config.backend}" is a TensorFlow.js backend; the pytorch engine uses "auto" instead (CUDA when available, else the CPU).`,
      path: ['backend'],
      fixes: [{ kind: 'replaceValue', title: 'Set backend to "auto"', path: ['backend'], value: 'auto' }],
    });
  }
  return issues;
}
