/**
 * Official sources of the downloadable datasets and the checksums their publishers give:
 * - Fashion-MNIST (Xiao et al., 2017): MD5s from the zalandoresearch/fashion-mnist README; served from the project's
 *   GitHub repository (https) and its S3 website (http only);
 * - MNIST (LeCun et al.): the original site often refuses downloads, so PyTorch's mirror comes first; MD5s as in
 *   torchvision;
 * - CIFAR-10/100 binary versions (Krizhevsky, 2009): MD5s from https://www.cs.toronto.edu/~kriz/cifar.html.
 */
import { rmSync } from 'node:fs';
import type { DownloadFile, FetchToFile, ProgressListener } from './download';
import { downloadVerified, fetchOverHttp } from './download';
import { extractTarArchive } from './tar';

export type DownloadableDataset = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100';

function idxFiles(bases: string[], md5s: Record<string, string>): DownloadFile[] {
  return Object.entries(md5s).map(([name, digest]) => ({
    name,
    urls: bases.map((base) => base + name),
    checksum: { algorithm: 'md5', digest },
  }));
}

export const DATASET_DOWNLOADS: Record<DownloadableDataset, DownloadFile[]> = {
  'fashion-mnist': idxFiles(
    [
      'https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    ],
    {
      'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
      't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
      't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
    },
  ),
  mnist: idxFiles(['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'], {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
  }),
  cifar10: [
    {
      name: 'cifar-10-binary.tar.gz',
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
      checksum: { algorithm: 'md5', digest: 'c32a1d4ab5d03f1284b67883e8d87530' },
      extract: true,
    },
  ],
  cifar100: [
    {
      name: 'cifar-100-binary.tar.gz',
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz'],
      checksum: { algorithm: 'md5', digest: '03b5dce01913d631647c71ecec9e9cb8' },
      extract: true,
    },
  ],
};

/** Downloads (and unpacks) every file of `files` into `directory`. */
export async function downloadFiles(
  files: readonly DownloadFile[],
  directory: string,
  fetchToFile: FetchToFile = fetchOverHttp,
  onProgress: ProgressListener = () => {},
): Promise<void> {
  for (const file of files) {
    const path = await downloadVerified(file, directory, fetchToFile, onProgress);
    if (file.extract === true) {
      onProgress(`unpacking ${path}`);
      extractTarArchive(path, directory);
      rmSync(path, { force: true });
    }
  }
}
