/**
 * From the run config's `dataset`, `imbalance` and `seed` to the splits a run trains and evaluates on:
 * find the files (or download them on request), load both splits, then subsample the training split to the
 * long-tail profile. The test split is never subsampled.
 *
 * Where files are looked for (dataset.path, relative to the config file, always wins):
 * - fashion-mnist: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist), then <cache>/fashion-mnist;
 * - mnist, cifar10, cifar100: <cache>/<name>;
 * - image-folder: dataset.path is required;
 * - auto: Fashion-MNIST as above; when it is not found, it is downloaded if dataset.download is true, else the
 *   synthetic dataset is used (and the description says why). With dataset.path set, auto means Fashion-MNIST there.
 * Downloads go to dataset.path when it is set, else to <cache>/<name>.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { RunConfig } from '../../protocol/runConfig';
import type { DatasetSplits, ImageDataset } from './dataset';
import { DatasetError, classCounts } from './dataset';
import type { FetchToFile, ProgressListener } from './download';
import { CIFAR_LAYOUTS, findCifarDirectory, loadCifarDataset } from './cifar';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, findIdxFiles, loadIdxDataset } from './idx';
import { loadImageFolderDataset } from './imageFolder';
import { longTailCounts, subsampleLongTail } from './longTail';
import { DATASET_DOWNLOADS, downloadFiles } from './sources';
import { SYNTHETIC_DATA_SEED, generateSyntheticDataset } from './synthetic';

export type DatasetConfig = RunConfig['dataset'];
export type ImbalanceConfig = RunConfig['imbalance'];
export type ResolvedDatasetName = Exclude<DatasetConfig['name'], 'auto'>;

export const DEBIAN_FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/** The download cache unless the caller chooses one: $XDG_CACHE_HOME (or ~/.cache)/neural-collapse-monitor/datasets. */
export function defaultDatasetCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'neural-collapse-monitor', 'datasets');
}

export interface DatasetLocationOptions {
  /** Folder of the run config: relative dataset.path values are resolved against it. */
  configDir: string;
  /** Download cache; each dataset gets a sub-folder named after it. */
  cacheDir: string;
  /** Where the Debian package puts Fashion-MNIST (tests point it elsewhere). */
  systemFashionMnistDirectory?: string;
}

export interface LoadDatasetOptions extends DatasetLocationOptions {
  /** Transport for downloads (tests inject a local one; the network is never touched without download: true). */
  fetchToFile?: FetchToFile;
  onProgress?: ProgressListener;
}

/** Which data a config selects and where it is (or would be downloaded to), decided without loading anything. */
export interface DatasetLocation {
  name: ResolvedDatasetName;
  /** The folder holding the files (undefined for synthetic). */
  directory?: string;
  /** Whether the files are there; false means loading needs a download (or fails). */
  found: boolean;
  /** Folders searched, for error messages. */
  searched: string[];
  /** For people, e.g. "Fashion-MNIST from /usr/share/datasets/fashion-mnist". */
  description: string;
}

const DISPLAY_NAMES: Record<ResolvedDatasetName, string> = {
  'fashion-mnist': 'Fashion-MNIST',
  mnist: 'MNIST',
  cifar10: 'CIFAR-10',
  cifar100: 'CIFAR-100',
  'image-folder': 'image folder',
  synthetic: 'synthetic',
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The folder in which `name`'s files are complete, if any (for CIFAR, the archive's sub-folder counts). */
function completeDirectory(name: ResolvedDatasetName, directory: string): string | undefined {
  switch (name) {
    case 'fashion-mnist':
    case 'mnist':
      return 'files' in findIdxFiles(directory) ? directory : undefined;
    case 'cifar10':
    case 'cifar100':
      return findCifarDirectory(directory, name);
    case 'image-folder':
      return isDirectory(join(directory, 'train')) && isDirectory(join(directory, 'test')) ? directory : undefined;
    case 'synthetic':
      return directory;
  }
}

function syntheticDescription(config: DatasetConfig): string {
  return `synthetic (${config.classes} classes, ${config.imageSize}×${config.imageSize} grey, ${config.trainPerClass} train / ${config.testPerClass} test images per class)`;
}

export function resolveDatasetLocation(config: DatasetConfig, options: DatasetLocationOptions): DatasetLocation {
  const explicit = config.path === undefined ? undefined : isAbsolute(config.path) ? config.path : resolve(options.configDir, config.path);
  const name: ResolvedDatasetName = config.name === 'auto' ? 'fashion-mnist' : config.name;
  if (name === 'synthetic') return { name, found: true, searched: [], description: syntheticDescription(config) };

  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit);
  else if (name === 'fashion-mnist')
    candidates.push(options.systemFashionMnistDirectory ?? DEBIAN_FASHION_MNIST_DIRECTORY, join(options.cacheDir, name));
  else if (name !== 'image-folder') candidates.push(join(options.cacheDir, name));

  for (const candidate of candidates) {
    const directory = completeDirectory(name, candidate);
    if (directory !== undefined)
      return { name, directory, found: true, searched: candidates, description: `${DISPLAY_NAMES[name]} from ${directory}` };
  }
  if (config.name === 'auto' && explicit === undefined && !config.download) {
    return {
      name: 'synthetic',
      found: true,
      searched: candidates,
      description: `${syntheticDescription(config)}, because no Fashion-MNIST files were found in ${candidates.join(' or ')}`,
    };
  }
  const downloadDirectory = explicit ?? (name === 'image-folder' ? undefined : join(options.cacheDir, name));
  return {
    name,
    ...(downloadDirectory === undefined ? {} : { directory: downloadDirectory }),
    found: false,
    searched: candidates,
    description: `${DISPLAY_NAMES[name]} from ${downloadDirectory ?? '(dataset.path not set)'}${config.download && name !== 'image-folder' ? ' (to be downloaded)' : ' (files missing)'}`,
  };
}

/** One line saying which dataset a config selects, e.g. "Fashion-MNIST from /usr/share/datasets/fashion-mnist". */
export function describeDataset(config: DatasetConfig, options: DatasetLocationOptions): string {
  return resolveDatasetLocation(config, options).description;
}

function missingFilesError(config: DatasetConfig, location: DatasetLocation): DatasetError {
  const name = location.name;
  if (name === 'image-folder') {
    if (location.directory === undefined) {
      return new DatasetError(
        'dataset.path is required for "image-folder": set it to a folder holding train/<class>/ and test/<class>/ image folders',
      );
    }
    return new DatasetError(
      `${location.directory}: no train/ and test/ folders; an image-folder dataset needs ${join(location.directory, 'train', '<class>')} and ${join(location.directory, 'test', '<class>')} (check dataset.path)`,
      location.directory,
    );
  }
  const expected =
    name === 'cifar10' || name === 'cifar100'
      ? [...CIFAR_LAYOUTS[name].trainFiles, ...CIFAR_LAYOUTS[name].testFiles].join(', ')
      : 'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may be .gz)';
  const fixes = [
    ...(name === 'fashion-mnist' ? ['install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)'] : []),
    `set dataset.path to the folder that holds them`,
    `set "download": true to fetch them from the official source into ${location.directory ?? 'the cache'}`,
    `or use "name": "synthetic", which needs no files`,
  ];
  return new DatasetError(
    `${DISPLAY_NAMES[name]} files not found (looked in ${location.searched.join(', ')}; expected ${expected}${config.path === undefined ? '' : ` in dataset.path "${config.path}"`}). To fix: ${fixes.join('; ')}.`,
    location.searched[0],
  );
}

function loadFullSplits(location: DatasetLocation & { directory: string }): { train: ImageDataset; test: ImageDataset } {
  const { name, directory } = location;
  switch (name) {
    case 'fashion-mnist':
    case 'mnist': {
      const found = findIdxFiles(directory);
      if (!('files' in found)) throw new DatasetError(`${directory}: missing ${found.missing.join(', ')}`, directory);
      return loadIdxDataset(found.files, name === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES);
    }
    case 'cifar10':
    case 'cifar100':
      return loadCifarDataset(directory, name);
    case 'image-folder':
      return loadImageFolderDataset(directory);
    case 'synthetic':
      throw new Error('synthetic data has no directory');
  }
}

/**
 * Training counts per class for the config's imbalance, from the full training counts. n_max defaults to the smallest
 * full class size. Profile "none" without maxPerClass keeps everything (returns the full counts).
 */
export function targetTrainCounts(fullTrainCounts: readonly number[], imbalance: ImbalanceConfig): number[] {
  if (imbalance.profile === 'none' && imbalance.maxPerClass === undefined) return [...fullTrainCounts];
  const maxPerClass = imbalance.maxPerClass ?? Math.min(...fullTrainCounts);
  const counts = longTailCounts({ profile: imbalance.profile, maxPerClass, factor: imbalance.factor, classCount: fullTrainCounts.length });
  const empty = counts.findIndex((count) => count < 1);
  if (empty >= 0) {
    throw new DatasetError(
      `imbalance: class ${empty} would keep no training image (n_max ${maxPerClass} with factor ${imbalance.factor}); lower imbalance.factor to at most ${maxPerClass} or raise imbalance.maxPerClass`,
    );
  }
  return counts;
}

export async function loadDatasetSplits(
  config: DatasetConfig,
  imbalance: ImbalanceConfig,
  seed: number,
  options: LoadDatasetOptions,
): Promise<DatasetSplits> {
  let location = resolveDatasetLocation(config, options);
  let full: { train: ImageDataset; test: ImageDataset };
  if (location.name === 'synthetic') {
    full = generateSyntheticDataset({
      classes: config.classes,
      imageSize: config.imageSize,
      trainPerClass: config.trainPerClass,
      testPerClass: config.testPerClass,
      seed: SYNTHETIC_DATA_SEED,
    });
  } else {
    if (!location.found) {
      if (!config.download || location.name === 'image-folder' || location.directory === undefined)
        throw missingFilesError(config, location);
      const target = location.directory;
      await downloadFiles(DATASET_DOWNLOADS[location.name], target, options.fetchToFile, options.onProgress);
      const directory = completeDirectory(location.name, target);
      if (directory === undefined) throw missingFilesError(config, { ...location, searched: [target] });
      location = { ...location, directory, found: true, description: `${DISPLAY_NAMES[location.name]} from ${directory} (downloaded)` };
    }
    full = loadFullSplits(location as DatasetLocation & { directory: string });
  }

  const fullTrainCounts = classCounts(full.train);
  const emptyClass = fullTrainCounts.findIndex((count) => count === 0);
  if (emptyClass >= 0) {
    throw new DatasetError(
      `${location.description}: class ${emptyClass} ("${full.train.classNames[emptyClass]}") has no training images; every class needs at least one (check that the files are complete and belong together)`,
      location.directory,
    );
  }
  const counts = targetTrainCounts(fullTrainCounts, imbalance);
  const unchanged = counts.every((count, index) => count === fullTrainCounts[index]);
  const train = unchanged ? full.train : subsampleLongTail(full.train, counts, seed);
  return { train, test: full.test, source: location.description, fullTrainCounts, trainCounts: counts };
}
