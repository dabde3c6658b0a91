// What `npm test` and `npm start` do first: the project's own npm dependencies, installed with `npm ci` when
// node_modules is missing or older than package-lock.json (a fresh clone, or a pull that changed the lock), and the
// build.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export function dependenciesAreCurrent(root = REPO_ROOT) {
  // npm writes node_modules/.package-lock.json at the end of every install: its age is the install's.
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return false;
  return statSync(installed).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

export function ensureDependencies(say, root = REPO_ROOT) {
  if (dependenciesAreCurrent(root)) return;
  say(
    existsSync(join(root, 'node_modules'))
      ? 'package-lock.json changed: reinstalling dependencies (npm ci)…'
      : 'installing dependencies (npm ci)…',
  );
  const env = { ...process.env };
  // `npm test --silent` passes loglevel=silent down; npm ci's errors must still show.
  delete env.npm_config_loglevel;
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ci failed (exit ${result.status ?? result.signal}); see its output above`);
}

/** Builds every bundle. esbuild's size report is noise here: its output shows only when the build fails. */
export function build(say, root = REPO_ROOT) {
  say('building (node scripts/build.mjs)…');
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error('the build failed (node scripts/build.mjs); see its errors above');
  }
}
