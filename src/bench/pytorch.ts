/**
 * The PyTorch reference of the benchmark: scripts/bench-pytorch.py (the throughput part) and
 * scripts/bench-pytorch-per-loss.py (the per-loss part) run by Debian's /usr/bin/python3 on the
 * same models, batch and optimizer, in the same run. The scripts report
 * which BLAS torch loaded: without OpenBLAS torch falls back to a reference BLAS about 15x slower,
 * which would make the comparison meaningless, so such a measurement is flagged.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openblasCoreType } from '../engine/native/addon.js';

/** The interpreter that runs the reference: Debian's, whose python3-torch uses the system OpenBLAS. */
export const PYTHON = '/usr/bin/python3';
/** scripts/bench-pytorch.py, from dist/bench/. */
export const SCRIPT = fileURLToPath(new URL('../../scripts/bench-pytorch.py', import.meta.url));
/** scripts/bench-pytorch-per-loss.py, from dist/bench/: the per-loss step benchmark's reference. */
export const PER_LOSS_SCRIPT = fileURLToPath(new URL('../../scripts/bench-pytorch-per-loss.py', import.meta.url));

/** Why PyTorch cannot run at all (the interpreter is missing), or null. */
export function pythonMissing(): string | null {
  return existsSync(PYTHON) ? null : `${PYTHON} not found; apt-get install -y python3-torch libopenblas0-pthread`;
}

/** One PyTorch measurement, as scripts/bench-pytorch.py prints it. */
export interface TorchMeasurement {
  model: string;
  threads: number;
  batchSize: number;
  steps: number;
  samplesPerSecond: number;
  msPerStepMedian: number;
  /** Process CPU time (time.process_time(): user + system, all threads) / wall time over the timed loop. */
  cpuShare: number;
  /** Process CPU time per timed step, ms. */
  cpuMsPerStep: number;
  torch: string;
  /** `openblasThreads`: OpenBLAS's own thread count as the script saw it (pinned to `threads`). */
  blas: { libraries: string[]; openblas: boolean; openblasCore: string | null; openblasThreads?: number | null };
}

/** How glibc's allocator is set up for the PyTorch process: see {@link allocatorEnv}. */
export type TorchAllocator = 'tuned' | 'default';

/** Every allocator setting the benchmark can give PyTorch. */
export const TORCH_ALLOCATORS = ['tuned', 'default'] as const satisfies readonly TorchAllocator[];

/**
 * The environment of PyTorch's allocator. PyTorch allocates every op's output and frees it at once;
 * with glibc's default dynamic thresholds, the blocks of a few hundred kB it frees at the top of
 * the heap are trimmed (returned to the kernel) and faulted back in by the next op. In a VM where
 * a page fault is dear this costs PyTorch most of its step: measured on this project's 2-core
 * machine, 1 thread, the MLP ran at 24,000 samples/s by default and 64,000 with the thresholds
 * fixed, the CNN at 1,700 and 6,800 (one expression, `a.sqrt() / 2.5` on 200,704 floats, took
 * 3.8 ms instead of 0.06 ms). PyTorch's CPU performance guide recommends another allocator
 * (jemalloc or tcmalloc) for this reason; Debian's python3-torch does not depend on one, so
 * `tuned` fixes glibc's thresholds instead (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ at
 * 1 GiB: freed memory stays in the process). `default` leaves glibc as a plain run would. The
 * user's own MALLOC_* settings win. jointly's native step allocates its buffers once, so the same
 * settings do not change its speed (measured within noise).
 */
export function allocatorEnv(allocator: TorchAllocator, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (allocator === 'default') return {};
  const fixed = String(2 ** 30);
  return { MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? fixed, MALLOC_TRIM_THRESHOLD_: env.MALLOC_TRIM_THRESHOLD_ ?? fixed };
}

/**
 * The environment of a PyTorch process with `threads` threads: `env` with {@link allocatorEnv}'s
 * settings, and OMP_NUM_THREADS and OPENBLAS_NUM_THREADS at `threads` (Debian's OpenBLAS runs its
 * own thread pool whatever torch.set_num_threads says, so it is pinned too).
 */
export function torchEnv(threads: number, allocator: TorchAllocator, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, ...allocatorEnv(allocator, env), OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
}

/**
 * OPENBLAS_CORETYPE for this CPU when `env` does not set it (the user's choice wins): the native
 * addon sets it in its own process when it loads, and a PyTorch process given the same value runs
 * its products on the same OpenBLAS kernels. Empty when it is set or cannot be told (not Linux).
 */
export function openblasCoreTypeEnv(env: NodeJS.ProcessEnv = process.env, cpuinfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8')): Record<string, string> {
  if (env.OPENBLAS_CORETYPE !== undefined) return {};
  try {
    const core = openblasCoreType(cpuinfo());
    return core === undefined ? {} : { OPENBLAS_CORETYPE: core };
  } catch {
    return {}; // no /proc/cpuinfo: OpenBLAS detects the CPU itself
  }
}

/**
 * Measures `model` with `threads` threads for about `seconds`, with `allocator` (tuned by
 * default: PyTorch at its best on this machine); resolves to the measurement or the reason it was
 * skipped.
 */
export function measureTorch(model: string, threads: number, seconds: number, allocator: TorchAllocator = 'tuned'): TorchMeasurement | { skipped: string } {
  const missing = pythonMissing();
  if (missing !== null) return { skipped: missing };
  // The child inherits OPENBLAS_CORETYPE when the native backend set it, so both use the same OpenBLAS kernels.
  const r = spawnSync(PYTHON, [SCRIPT, '--model', model, '--threads', String(threads), '--seconds', String(seconds)], { encoding: 'utf8', env: torchEnv(threads, allocator) });
  if (r.status !== 0) return { skipped: `the PyTorch script failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-1)[0]}` };
  const doc = JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as TorchMeasurement | { skipped: string };
  return doc;
}

/** One line on which BLAS torch used (`m`: either script's output). */
export function describeBlas(m: Pick<TorchMeasurement, 'torch' | 'blas'>): string {
  if (!m.blas.openblas) return `PyTorch did NOT load OpenBLAS (${m.blas.libraries.join(', ') || 'no BLAS library mapped'}): its numbers are not a fair reference; apt-get install -y libopenblas0-pthread`;
  const threads = m.blas.openblasThreads === undefined || m.blas.openblasThreads === null ? '' : `, ${m.blas.openblasThreads} OpenBLAS thread(s)`;
  return `PyTorch ${m.torch} uses OpenBLAS (${m.blas.libraries.find((l) => l.includes('openblas')) ?? ''}, ${m.blas.openblasCore ?? 'unknown'} kernels${threads})`;
}
