/** The throughput benchmark's command line (pure): its flags, defaults and usage. */
import { parseArgs } from 'node:util';
import { nameList, oneName, positiveInteger, positiveIntegerList, positiveNumber } from './flag-values.js';
import { TORCH_ALLOCATORS, type TorchAllocator } from './pytorch.js';

/** What `node dist/bench/throughput.js` measures. */
export interface ThroughputOptions {
  /** Timed seconds of each measurement (after its warm-up). */
  seconds: number;
  /** Interleaved repetitions of every (model, threads, side); the report takes medians. */
  repeats: number;
  /** Thread counts: JOINTLY_THREADS for jointly, OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/torch.set_num_threads for PyTorch. */
  threads: number[];
  /** Workload ids (workloads.ts). */
  models: string[];
  /** jointly backends measured, each a side of the interleaving (`auto` picks native when it loads). */
  backends: string[];
  /** Measure PyTorch (scripts/bench-pytorch.py) too. */
  pytorch: boolean;
  /** glibc's allocator in the PyTorch process (pytorch.ts's allocatorEnv): `tuned` (PyTorch at its best here) or `default`. */
  pytorchAllocator: TorchAllocator;
  /** Measure the sgemm limit of the MLP workloads. */
  sgemm: boolean;
  /** JSON results file. */
  out: string;
}

/**
 * The jointly backends a side can ask for: engine/backend-registry.ts's BACKEND_NAMES, copied
 * because importing it would load tfjs's backends into the orchestrating process (a test pins
 * the two lists together).
 */
export const JOINTLY_BACKENDS = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;

/** Every workload the throughput benchmark can measure. */
export const THROUGHPUT_MODELS = ['mlp', 'cnn', 'lenet'] as const;

/** Defaults, in one place. `threads` is 1 and 2 on a machine with 2 cores or more. */
export function defaultThroughputOptions(cores: number): ThroughputOptions {
  return { seconds: 5, repeats: 3, threads: cores >= 2 ? [1, 2] : [1], models: [...THROUGHPUT_MODELS], backends: ['auto'], pytorch: true, pytorchAllocator: 'tuned', sgemm: true, out: 'bench-results/throughput.json' };
}

/** The usage text. */
export const THROUGHPUT_USAGE = `usage: node dist/bench/throughput.js [options]

jointly's training step and PyTorch's on the same models, interleaved (jointly, PyTorch,
jointly, PyTorch, ...), each measurement in a fresh process with its threads pinned; medians over
the repetitions, jointly/PyTorch ratios, CPU shares, and the MLP's sgemm limit.

  --seconds <N>     timed seconds per measurement (default 5)
  --repeats <N>     interleaved repetitions, median reported (default 3)
  --threads <list>  thread counts (default 1,2; 1 on a 1-core machine)
  --models <list>   ${THROUGHPUT_MODELS.join(',')} (default all)
  --backend <name>  jointly backend: ${JOINTLY_BACKENDS.join(', ')} (default auto: native when it loads)
  --wasm            also measure jointly on wasm (much slower), as another side
  --no-pytorch      skip PyTorch (scripts/bench-pytorch.py with /usr/bin/python3)
  --pytorch-allocator <tuned|default>
                    glibc's allocator thresholds in the PyTorch process: tuned (fixed, so freed
                    memory is not returned to the kernel op by op; PyTorch at its best) or
                    default (as a plain run; on VMs with dear page faults 1.2-4x slower)
                    (default tuned)
  --no-sgemm        skip the sgemm limit
  --out <file>      JSON results (default bench-results/throughput.json)
  -h, --help        this help`;

/** Parses the command line; null when help was asked for. Throws a UsageError (or UnknownNameError) on bad usage. */
export function parseThroughputOptions(argv: readonly string[], cores: number): ThroughputOptions | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string' },
      repeats: { type: 'string' },
      threads: { type: 'string' },
      models: { type: 'string' },
      backend: { type: 'string' },
      wasm: { type: 'boolean' },
      'no-pytorch': { type: 'boolean' },
      'no-sgemm': { type: 'boolean' },
      'pytorch-allocator': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const d = defaultThroughputOptions(cores);
  const backend = values.backend === undefined ? d.backends[0] : oneName('backend', values.backend, JOINTLY_BACKENDS);
  return {
    seconds: values.seconds === undefined ? d.seconds : positiveNumber('seconds', values.seconds),
    repeats: values.repeats === undefined ? d.repeats : positiveInteger('repeats', values.repeats),
    threads: values.threads === undefined ? d.threads : positiveIntegerList('threads', values.threads),
    models: values.models === undefined ? d.models : nameList('models', values.models, THROUGHPUT_MODELS),
    backends: values.wasm === true && backend !== 'wasm' ? [backend, 'wasm'] : [backend],
    pytorch: values['no-pytorch'] !== true,
    pytorchAllocator: values['pytorch-allocator'] === undefined ? d.pytorchAllocator : (oneName('pytorch-allocator', values['pytorch-allocator'], TORCH_ALLOCATORS) as TorchAllocator),
    sgemm: values['no-sgemm'] !== true,
    out: values.out ?? d.out,
  };
}
