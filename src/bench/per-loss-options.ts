/** The per-loss step benchmark's command line (pure): its flags, defaults and usage. */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { oneName, positiveInteger, positiveIntegerList, positiveNumber } from './flag-values.js';
import { TORCH_ALLOCATORS, type TorchAllocator } from './pytorch.js';
import { JOINTLY_BACKENDS } from './throughput-options.js';

/** What `node dist/bench/per-loss-step.js` measures. */
export interface PerLossOptions {
  /** jointly backend (`auto` picks the fastest that loads). */
  backend: string;
  /** Head counts K, each measured on its own K-head model. */
  heads: number[];
  /** Interleaved rounds per head count (jointly, then PyTorch); the table reports medians over them. */
  rounds: number;
  /** Timed steps per mode and round (when `seconds` is null). */
  steps: number;
  /** When set, each mode and round runs for this many seconds (at least {@link PER_LOSS_MIN_STEPS} steps) instead of `steps` steps. */
  seconds: number | null;
  /** Measure PyTorch (scripts/bench-pytorch-per-loss.py) too. */
  pytorch: boolean;
  /** glibc's allocator in the PyTorch process (pytorch.ts's allocatorEnv): `tuned` (PyTorch at its best here) or `default`. */
  pytorchAllocator: TorchAllocator;
  /** JSON results file. */
  out: string;
}

/** Fewest timed steps of a mode in a round under --seconds (the PyTorch script's MIN_STEPS too). */
export const PER_LOSS_MIN_STEPS = 3;

/** Defaults, in one place. */
export function defaultPerLossOptions(): PerLossOptions {
  return { backend: 'auto', heads: [2, 4], rounds: 5, steps: 20, seconds: null, pytorch: true, pytorchAllocator: 'tuned', out: 'bench-results/per-loss-step.json' };
}

/** The usage text. */
export const PER_LOSS_USAGE = `usage: node dist/bench/per-loss-step.js [options]

The step time of a K-head CNN (batch 64, Adam) with the losses summed, with per-loss gradients,
and with K separate passes, on jointly and on PyTorch (scripts/bench-pytorch-per-loss.py with
/usr/bin/python3), interleaved by round (jointly, PyTorch, jointly, PyTorch, ...); medians over
the rounds. PyTorch runs with as many threads as jointly (JOINTLY_THREADS, else every core),
pinned with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and torch.set_num_threads.

  --backend <name>   jointly backend: ${JOINTLY_BACKENDS.join(', ')} (default auto: the fastest that loads)
  --heads <list>     head counts to measure (default 2,4)
  --rounds <N>       interleaved rounds per head count (default 5)
  --steps <N>        timed steps per mode and round (default 20)
  --seconds <N>      instead of --steps: timed seconds per mode and round (at least ${PER_LOSS_MIN_STEPS} steps)
  --no-pytorch       skip PyTorch
  --pytorch-allocator <tuned|default>
                     glibc's allocator thresholds in the PyTorch process: tuned (fixed, so freed
                     memory is not returned to the kernel op by op; PyTorch at its best) or
                     default (as a plain run; about 3x slower here) (default tuned)
  --out <file>       JSON results (default bench-results/per-loss-step.json)
  -h, --help         this help`;

/** Parses the command line; null when help was asked for. Throws a UsageError (or UnknownNameError) on bad usage. */
export function parsePerLossOptions(argv: readonly string[]): PerLossOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        backend: { type: 'string' },
        heads: { type: 'string' },
        rounds: { type: 'string' },
        steps: { type: 'string' },
        seconds: { type: 'string' },
        'no-pytorch': { type: 'boolean' },
        'pytorch-allocator': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), 'see node dist/bench/per-loss-step.js --help');
  }
  if (values.help === true) return null;
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  if (str('steps') !== undefined && str('seconds') !== undefined) throw new UsageError('give --steps or --seconds, not both', '--seconds N times each mode for N seconds per round');
  const d = defaultPerLossOptions();
  const raw = { backend: str('backend'), heads: str('heads'), rounds: str('rounds'), steps: str('steps'), seconds: str('seconds'), allocator: str('pytorch-allocator') };
  return {
    backend: raw.backend === undefined ? d.backend : oneName('backend', raw.backend, JOINTLY_BACKENDS),
    heads: raw.heads === undefined ? d.heads : positiveIntegerList('heads', raw.heads),
    rounds: raw.rounds === undefined ? d.rounds : positiveInteger('rounds', raw.rounds),
    steps: raw.steps === undefined ? d.steps : positiveInteger('steps', raw.steps),
    seconds: raw.seconds === undefined ? d.seconds : positiveNumber('seconds', raw.seconds),
    pytorch: values['no-pytorch'] !== true,
    pytorchAllocator: raw.allocator === undefined ? d.pytorchAllocator : (oneName('pytorch-allocator', raw.allocator, TORCH_ALLOCATORS) as TorchAllocator),
    out: str('out') ?? d.out,
  };
}
