import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './trainerProcess';

/** The folder to put on PYTHONPATH so that `import ncmonitor` finds the package in this repository. */
export const PYTHON_PACKAGE_ROOT = join(REPO, 'python');

export interface PythonInterpreter {
  /** Absolute path or command name of the interpreter. */
  command: string;
  /** True when `import torch` works in it. */
  hasTorch: boolean;
}

const CANDIDATES = [process.env.NC_MONITOR_PYTHON, '/usr/bin/python3', 'python3'].filter((value): value is string => !!value);

let cached: PythonInterpreter | null | undefined;

/**
 * The interpreter the Python tests use: $NC_MONITOR_PYTHON, then Debian's /usr/bin/python3 (where `.ci/run` installs
 * python3-torch), then python3 on PATH. The first one that imports torch wins; without torch anywhere, the first that
 * runs at all (the client tests need only the standard library).
 */
export function findPython(): PythonInterpreter | null {
  if (cached !== undefined) return cached;
  let firstWorking: PythonInterpreter | null = null;
  for (const command of CANDIDATES) {
    const probe = spawnSync(command, ['-c', 'import sys; assert sys.version_info >= (3, 9)\ntry:\n import torch\n print("torch")\nexcept ImportError:\n print("no-torch")'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status !== 0) continue;
    const interpreter = { command, hasTorch: probe.stdout.trim() === 'torch' };
    if (interpreter.hasTorch) return (cached = interpreter);
    firstWorking ??= interpreter;
  }
  return (cached = firstWorking);
}

/** Why a torch test is skipped on this machine, or false when it can run. */
export function torchSkipReason(): string | false {
  const python = findPython();
  if (python === null) return 'no Python 3 interpreter found (set NC_MONITOR_PYTHON)';
  if (!python.hasTorch) return 'PyTorch not found: apt-get install python3-torch libopenblas0-openmp, or set NC_MONITOR_PYTHON';
  return false;
}

/** Environment for a Python child process that imports the in-repository package. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const existing = process.env.PYTHONPATH;
  return {
    ...process.env,
    PYTHONPATH: existing ? `${PYTHON_PACKAGE_ROOT}:${existing}` : PYTHON_PACKAGE_ROOT,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}
