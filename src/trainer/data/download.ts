/**
 * Downloading dataset files from their official sources, verified by the checksums their publishers give, into a
 * cache folder. Only on request (dataset.download: true). A file already present with the right checksum is not
 * fetched again; a download goes to a temporary name and is renamed only after its checksum matched, so an
 * interrupted or corrupt download never looks like a dataset.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DatasetError } from './dataset';

export interface Checksum {
  algorithm: 'md5' | 'sha256';
  /** Lower-case hex digest. */
  digest: string;
}

export interface DownloadFile {
  /** File name in the target folder. */
  name: string;
  /** Sources tried in order until one delivers the file with the right checksum. */
  urls: string[];
  checksum: Checksum;
  /** A .tar or .tar.gz to unpack into the folder after verification (the archive is then deleted). */
  extract?: boolean;
}

/** Fetches `url` into `destination` (overwriting it). Injected in tests, which never touch the network. */
export type FetchToFile = (url: string, destination: string) => Promise<void>;

export type ProgressListener = (message: string) => void;

export async function fileChecksum(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function hasChecksum(path: string, checksum: Checksum): Promise<boolean> {
  if (!existsSync(path)) return false;
  return (await fileChecksum(path, checksum.algorithm)) === checksum.digest.toLowerCase();
}

const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;

/** GET over http or https (by the URL's protocol), following redirects, streaming the body to `destination`. */
export const fetchOverHttp: FetchToFile = (url, destination) => fetchFollowingRedirects(url, destination, MAX_REDIRECTS);

function fetchFollowingRedirects(url: string, destination: string, redirectsLeft: number): Promise<void> {
  return new Promise((resolvePromise, rejectPromise) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { headers: { 'user-agent': 'neural-collapse-monitor' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirectsLeft === 0) {
          rejectPromise(new Error(`${url}: too many redirects`));
          return;
        }
        fetchFollowingRedirects(new URL(location, url).toString(), destination, redirectsLeft - 1).then(resolvePromise, rejectPromise);
        return;
      }
      if (status !== 200) {
        response.resume();
        rejectPromise(new Error(`${url}: HTTP ${status}`));
        return;
      }
      pipeline(response, createWriteStream(destination)).then(resolvePromise, rejectPromise);
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`${url}: no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    request.on('error', rejectPromise);
  });
}

/**
 * Makes `directory/file.name` present with the right checksum, downloading it if needed; returns its path.
 * Throws a DatasetError naming the sources tried and why each failed.
 */
export async function downloadVerified(
  file: DownloadFile,
  directory: string,
  fetchToFile: FetchToFile = fetchOverHttp,
  onProgress: ProgressListener = () => {},
): Promise<string> {
  const target = join(directory, file.name);
  if (await hasChecksum(target, file.checksum)) return target;
  mkdirSync(directory, { recursive: true });
  const partial = `${target}.part-${process.pid}`;
  const failures: string[] = [];
  for (const url of file.urls) {
    onProgress(`downloading ${url}`);
    try {
      await fetchToFile(url, partial);
      const actual = await fileChecksum(partial, file.checksum.algorithm);
      if (actual !== file.checksum.digest.toLowerCase()) {
        failures.push(`${url}: ${file.checksum.algorithm} ${actual}, expected ${file.checksum.digest}`);
        continue;
      }
      renameSync(partial, target);
      return target;
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    } finally {
      rmSync(partial, { force: true });
    }
  }
  throw new DatasetError(
    `could not download ${file.name} into ${directory}:\n  ${failures.join('\n  ')}\n` +
      `Check the network connection and try again, or download the file by hand into ${directory} (or set dataset.path to where it is).`,
    target,
  );
}
