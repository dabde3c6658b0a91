/**
 * Download cache and checksum logic with a local transport: these tests never touch the network.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownloadFile, FetchToFile } from '../../../src/trainer/data/download';
import { downloadVerified, fileChecksum, hasChecksum } from '../../../src/trainer/data/download';
import { DatasetError } from '../../../src/trainer/data/dataset';
import { DATASET_DOWNLOADS, downloadFiles } from '../../../src/trainer/data/sources';
import { extractTarArchive } from '../../../src/trainer/data/tar';
import { temporaryDirectory } from './dataFixtures';

const folder = temporaryDirectory('download');
after(() => folder.remove());

// RFC 1321 and FIPS 180-2 test vectors for the message "abc".
const ABC_MD5 = '900150983cd24fb0d6963f7d28e17f72';
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

/** A transport serving `local://NAME` from a folder of source files, recording each request. */
function localTransport(sources: string): { fetchToFile: FetchToFile; requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    fetchToFile: (url, destination) => {
      requests.push(url);
      const source = join(sources, url.replace('local://', ''));
      if (!existsSync(source)) return Promise.reject(new Error('HTTP 404'));
      copyFileSync(source, destination);
      return Promise.resolve();
    },
  };
}

function setUp(name: string): { sources: string; cache: string } {
  const sources = join(folder.path, name, 'sources');
  const cache = join(folder.path, name, 'cache');
  mkdirSync(sources, { recursive: true });
  writeFileSync(join(sources, 'abc.bin'), 'abc');
  writeFileSync(join(sources, 'abd.bin'), 'abd');
  return { sources, cache };
}

const abcFile = (urls: string[], algorithm: 'md5' | 'sha256' = 'md5'): DownloadFile => ({
  name: 'data.bin',
  urls,
  checksum: { algorithm, digest: algorithm === 'md5' ? ABC_MD5 : ABC_SHA256 },
});

describe('checksums', () => {
  it('computes MD5 and SHA-256 of a file (published test vectors)', async () => {
    const file = join(folder.path, 'abc.txt');
    writeFileSync(file, 'abc');
    assert.equal(await fileChecksum(file, 'md5'), ABC_MD5);
    assert.equal(await fileChecksum(file, 'sha256'), ABC_SHA256);
    assert.equal(await hasChecksum(file, { algorithm: 'sha256', digest: ABC_SHA256.toUpperCase() }), true);
    assert.equal(await hasChecksum(join(folder.path, 'missing'), { algorithm: 'md5', digest: ABC_MD5 }), false);
  });
});

describe('verified download into the cache', () => {
  it('downloads, verifies and keeps the file; a second call uses the cache', async () => {
    const { sources, cache } = setUp('cached');
    const transport = localTransport(sources);
    const path = await downloadVerified(abcFile(['local://abc.bin'], 'sha256'), cache, transport.fetchToFile);
    assert.equal(path, join(cache, 'data.bin'));
    assert.equal(readFileSync(path, 'utf8'), 'abc');
    await downloadVerified(abcFile(['local://abc.bin'], 'sha256'), cache, transport.fetchToFile);
    assert.deepEqual(transport.requests, ['local://abc.bin']);
    assert.deepEqual(readdirSync(cache), ['data.bin'], 'no temporary file left');
  });

  it('replaces a cached file whose checksum is wrong', async () => {
    const { sources, cache } = setUp('stale');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'data.bin'), 'corrupted');
    const transport = localTransport(sources);
    await downloadVerified(abcFile(['local://abc.bin']), cache, transport.fetchToFile);
    assert.equal(readFileSync(join(cache, 'data.bin'), 'utf8'), 'abc');
    assert.equal(transport.requests.length, 1);
  });

  it('tries the next source after a failure or a checksum mismatch', async () => {
    const { sources, cache } = setUp('fallback');
    const transport = localTransport(sources);
    await downloadVerified(abcFile(['local://missing.bin', 'local://abd.bin', 'local://abc.bin']), cache, transport.fetchToFile);
    assert.deepEqual(transport.requests, ['local://missing.bin', 'local://abd.bin', 'local://abc.bin']);
    assert.equal(readFileSync(join(cache, 'data.bin'), 'utf8'), 'abc');
  });

  it('fails with every source and reason when no source delivers the right bytes, leaving nothing behind', async () => {
    const { sources, cache } = setUp('mismatch');
    const transport = localTransport(sources);
    await assert.rejects(
      downloadVerified(abcFile(['local://abd.bin', 'local://missing.bin']), cache, transport.fetchToFile),
      (error: unknown) => {
        assert.ok(error instanceof DatasetError);
        assert.match(error.message, /could not download data\.bin/);
        assert.match(error.message, /local:\/\/abd\.bin: md5 [0-9a-f]{32}, expected 900150983cd24fb0d6963f7d28e17f72/);
        assert.match(error.message, /local:\/\/missing\.bin: HTTP 404/);
        assert.match(error.message, /download the file by hand/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(cache), []);
  });

  it('the official catalogue has a checksum and at least one https source per file', () => {
    for (const [name, files] of Object.entries(DATASET_DOWNLOADS)) {
      assert.ok(files.length > 0, name);
      for (const file of files) {
        assert.match(file.checksum.digest, file.checksum.algorithm === 'md5' ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/, `${name}/${file.name}`);
        assert.ok(
          file.urls.some((url) => url.startsWith('https://') && url.endsWith(file.name)),
          `${name}/${file.name}`,
        );
      }
    }
  });
});

describe('tar extraction', () => {
  const hasTar = (() => {
    try {
      execFileSync('tar', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(
      `unpacks a .tar.gz made by the system tar (${format} format), including a long path`,
      { skip: hasTar ? false : 'no tar command on this machine' },
      () => {
        const source = join(folder.path, `tar-source-${format}`);
        // The path exceeds the 100-byte name field; each part stays short enough for ustar's prefix/name split.
        const longFolder = join('a-folder-name-long-enough-'.repeat(2), 'another-long-folder-name-'.repeat(2));
        mkdirSync(join(source, 'cifar-10-batches-bin', longFolder), { recursive: true });
        writeFileSync(join(source, 'cifar-10-batches-bin', 'data_batch_1.bin'), Buffer.alloc(3073 * 2, 7));
        writeFileSync(join(source, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\n');
        writeFileSync(join(source, 'cifar-10-batches-bin', longFolder, 'x.txt'), 'deep');
        const archive = join(folder.path, `archive-${format}.tar.gz`);
        execFileSync('tar', [`--format=${format}`, '-czf', archive, '-C', source, 'cifar-10-batches-bin']);
        const target = join(folder.path, `tar-target-${format}`);
        const written = extractTarArchive(archive, target);
        assert.equal(written.length, 3);
        assert.deepEqual(readFileSync(join(target, 'cifar-10-batches-bin', 'data_batch_1.bin')), Buffer.alloc(3073 * 2, 7));
        assert.equal(readFileSync(join(target, 'cifar-10-batches-bin', 'batches.meta.txt'), 'utf8'), 'airplane\n');
        assert.equal(readFileSync(join(target, 'cifar-10-batches-bin', longFolder, 'x.txt'), 'utf8'), 'deep');
      },
    );
  }

  it(
    'downloadFiles unpacks an archive entry and removes the archive',
    { skip: hasTar ? false : 'no tar command on this machine' },
    async () => {
      const sources = join(folder.path, 'archive-sources');
      mkdirSync(join(sources, 'content'), { recursive: true });
      writeFileSync(join(sources, 'content', 'test_batch.bin'), 'x');
      execFileSync('tar', ['-czf', join(sources, 'bundle.tar.gz'), '-C', join(sources, 'content'), 'test_batch.bin']);
      const digest = await fileChecksum(join(sources, 'bundle.tar.gz'), 'sha256');
      const cache = join(folder.path, 'archive-cache');
      await downloadFiles(
        [{ name: 'bundle.tar.gz', urls: ['local://bundle.tar.gz'], checksum: { algorithm: 'sha256', digest }, extract: true }],
        cache,
        localTransport(sources).fetchToFile,
      );
      assert.deepEqual(readdirSync(cache), ['test_batch.bin']);
    },
  );

  it('refuses entries that escape the target folder and truncated archives', () => {
    const header = Buffer.alloc(512);
    header.write('../evil.txt', 0);
    header.write('0000003', 124); // size 3, octal
    header[156] = '0'.charCodeAt(0);
    const evil = join(folder.path, 'evil.tar');
    writeFileSync(evil, Buffer.concat([header, Buffer.alloc(512), Buffer.alloc(1024)]));
    assert.throws(() => extractTarArchive(evil, join(folder.path, 'evil-target')), /points outside the extraction folder/);

    const truncatedHeader = Buffer.from(header);
    truncatedHeader.write('ok.txt\0\0\0\0\0', 0);
    truncatedHeader.write('0001000', 124); // 512 bytes announced
    const truncated = join(folder.path, 'truncated.tar');
    writeFileSync(truncated, Buffer.concat([truncatedHeader, Buffer.alloc(100)]));
    assert.throws(
      () => extractTarArchive(truncated, join(folder.path, 'truncated-target')),
      /truncated: entry "ok.txt" at byte offset 0 needs 512 bytes/,
    );
  });
});
