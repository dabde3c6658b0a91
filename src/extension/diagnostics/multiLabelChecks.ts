/**
 * Semantic checks of the `labels` section (the schema refinement in src/protocol/labelsConfig.ts already rejects
 * single-label methods and missing label paths): label files that do not exist, and label options that do nothing
 * with the chosen mode and source. Pure (no vscode), like semanticChecks.ts, which calls it.
 */
import type { RunConfig } from '../../protocol/runConfig';
import type { FileFacts, SemanticIssue } from './semanticChecks';

const GENERATOR_OPTIONS = ['secondLabelProbability', 'correlation', 'trainSamples', 'testSamples'] as const;
const FILE_OPTIONS = ['path', 'testPath'] as const;

/**
 * `unused(path, why)` reports an option that is set but does nothing (semanticChecks.ts's "option-has-no-effect",
 * with its remove fix); the returned issues are the errors.
 */
export function multiLabelChecks(config: RunConfig, facts: FileFacts, unused: (path: string[], why: string) => void): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const { labels } = config;
  if (labels.mode === 'single') {
    for (const key of ['source', ...FILE_OPTIONS, ...GENERATOR_OPTIONS])
      unused(['labels', key], 'labels.mode is "single"; set it to "multi-label" to use it');
    return issues;
  }
  if (labels.source === 'generated') {
    for (const key of FILE_OPTIONS) unused(['labels', key], 'label files are read when labels.source is "file"');
    return issues;
  }
  for (const key of GENERATOR_OPTIONS) unused(['labels', key], 'it shapes generated labels; labels.source is "file"');
  for (const key of ['profile', 'factor', 'maxPerClass']) {
    unused(
      ['imbalance', key],
      'with label files every image keeps its row (no long-tail subsampling): the files set the label frequencies',
    );
  }
  for (const key of FILE_OPTIONS) {
    const path = labels[key];
    if (path === undefined) continue;
    const absolute = facts.resolve(path);
    if (facts.exists(absolute)) continue;
    issues.push({
      code: 'label-file-missing',
      severity: 'error',
      message: `Label file ${absolute} does not exist. Point labels.${key} at a .csv (a header of label names, one 0/1 row per ${key === 'path' ? 'training' : 'test'} image) or .json label file, relative to this config.`,
      path: ['labels', key],
      fixes: [],
    });
  }
  return issues;
}
