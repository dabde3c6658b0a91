/** What the numbers were measured on: CPU, cores, memory, load, Node, and the Python peers when present. */
import { readlinkSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { PYTHON, runChild } from './children';

export interface PeerVersions {
  python: string;
  numpy?: string;
  torch?: string;
  /** torch.get_num_threads() before the benchmark sets it. */
  torchDefaultThreads?: number;
  /** The BLAS that /usr/lib's libblas.so.3 points at (Debian alternatives): OpenBLAS' openmp build is the fast one. */
  blas?: string;
  /** Why a peer is missing: what to install. */
  missing: string[];
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  tfjs: string;
  peers: PeerVersions;
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  return [round2(one ?? 0), round2(five ?? 0), round2(fifteen ?? 0)];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function blasLibrary(): string | undefined {
  for (const link of ['/etc/alternatives/libblas.so.3-x86_64-linux-gnu', '/etc/alternatives/libblas.so.3-aarch64-linux-gnu']) {
    try {
      readlinkSync(link);
      return realpathSync(link);
    } catch {
      // not this architecture
    }
  }
  return undefined;
}

const PEER_PROBE = `
import json, sys
out = {"python": sys.version.split()[0], "missing": []}
try:
    import numpy; out["numpy"] = numpy.__version__
except Exception as error:
    out["missing"].append("NumPy (%s): apt-get install -y python3-numpy" % error)
try:
    import torch; out["torch"] = torch.__version__; out["torchDefaultThreads"] = torch.get_num_threads()
except Exception as error:
    out["missing"].append("PyTorch (%s): apt-get install -y python3-torch libopenblas0-openmp" % error)
print("BENCH_RESULT " + json.dumps(out))
`;

export async function peerVersions(): Promise<PeerVersions> {
  const probe = await runChild<PeerVersions>(PYTHON, ['-c', PEER_PROBE], { timeoutMs: 60_000 });
  const blas = blasLibrary();
  if (!probe.ok) {
    return {
      python: 'missing',
      missing: [`Python at ${PYTHON} (${probe.reason}): apt-get install -y python3-numpy python3-torch libopenblas0-openmp`],
    };
  }
  const peers = { ...probe.value, ...(blas === undefined ? {} : { blas }) };
  if (blas !== undefined && !blas.includes('openblas')) {
    peers.missing.push(`BLAS is ${blas}, not OpenBLAS: NumPy and PyTorch run 3–15× slower; apt-get install -y libopenblas0-openmp`);
  }
  return peers;
}

export async function machineInfo(): Promise<MachineInfo> {
  const tfjs = (createRequire(import.meta.url)('@tensorflow/tfjs/package.json') as { version: string }).version;
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    tfjs,
    peers: await peerVersions(),
  };
}
