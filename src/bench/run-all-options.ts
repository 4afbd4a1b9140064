/**
 * `npm run bench`'s command line (pure): one table of flags, each saying which parts of the
 * benchmark it reaches; parsing and checking them before anything runs; and the command line
 * and environment each part is run with.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { nameList, oneName, positiveInteger, positiveIntegerList, positiveNumber } from './flag-values.js';
import { TORCH_ALLOCATORS, type TorchAllocator } from './pytorch.js';
import { JOINTLY_BACKENDS, THROUGHPUT_MODELS } from './throughput-options.js';

/** The parts of `npm run bench`, in run order. */
export const PARTS = ['throughput', 'per-loss', 'federated-scale', 'aggregation'] as const;

/** A part of the benchmark. */
export type PartName = (typeof PARTS)[number];

/** One flag of `npm run bench`. */
interface FlagSpec {
  type: 'string' | 'boolean';
  /** Placeholder of the value in the usage text. */
  value?: string;
  help: string;
  /** The parts the flag reaches (empty: the runner itself). */
  parts: readonly PartName[];
}

/** Every flag `npm run bench -- ...` accepts; anything else is a usage error. */
export const RUN_ALL_FLAGS = {
  only: { type: 'string', value: '<parts>', help: `parts to run, comma-separated: ${PARTS.join(', ')} (default all)`, parts: [] },
  seconds: { type: 'string', value: '<N>', help: 'timed seconds per measurement (per-loss: per mode and round; default: each part\'s own)', parts: ['throughput', 'per-loss', 'aggregation'] },
  repeats: { type: 'string', value: '<N>', help: 'interleaved repetitions, medians reported (per-loss: its --rounds; default: each part\'s own)', parts: ['throughput', 'per-loss', 'aggregation'] },
  threads: { type: 'string', value: '<list>', help: 'thread counts: throughput measures each (default 1,2); the other parts run with JOINTLY_THREADS at the largest', parts: ['throughput', 'per-loss', 'federated-scale', 'aggregation'] },
  models: { type: 'string', value: '<list>', help: `throughput workloads: ${THROUGHPUT_MODELS.join(', ')} (default all)`, parts: ['throughput'] },
  backend: { type: 'string', value: '<name>', help: `jointly backend: ${JOINTLY_BACKENDS.join(', ')} (default auto: native when it loads)`, parts: ['throughput', 'per-loss', 'federated-scale'] },
  wasm: { type: 'boolean', help: 'also measure jointly on wasm in the throughput part (much slower)', parts: ['throughput'] },
  'no-pytorch': { type: 'boolean', help: 'skip PyTorch in the throughput and per-loss parts', parts: ['throughput', 'per-loss'] },
  'pytorch-allocator': { type: 'string', value: '<tuned|default>', help: "glibc's allocator thresholds for PyTorch: tuned (PyTorch at its best) or default (a plain run) (default tuned)", parts: ['throughput', 'per-loss'] },
  'no-sgemm': { type: 'boolean', help: 'skip the sgemm limit in the throughput part', parts: ['throughput'] },
  heads: { type: 'string', value: '<list>', help: 'per-loss head counts (default 2,4)', parts: ['per-loss'] },
  clients: { type: 'string', value: '<N>', help: 'federated-scale virtual clients (default 1000)', parts: ['federated-scale'] },
  'per-round': { type: 'string', value: '<N>', help: 'federated-scale clients sampled per round (default 100)', parts: ['federated-scale'] },
  rounds: { type: 'string', value: '<N>', help: 'federated-scale rounds (default 5)', parts: ['federated-scale'] },
  out: { type: 'string', value: '<dir>', help: 'results folder (default bench-results)', parts: ['throughput', 'per-loss', 'federated-scale', 'aggregation'] },
  help: { type: 'boolean', help: 'this help', parts: [] },
} as const satisfies Record<string, FlagSpec>;

/** The usage text, generated from {@link RUN_ALL_FLAGS}. */
export function runAllUsage(): string {
  const entries = Object.entries(RUN_ALL_FLAGS) as [string, FlagSpec][];
  const names = entries.map(([name, f]) => `--${name}${f.value === undefined ? '' : ` ${f.value}`}${name === 'help' ? ', -h' : ''}`);
  const width = Math.max(...names.map((n) => n.length));
  const lines = entries.map(([, f], i) => `  ${names[i].padEnd(width)}  ${f.help}${f.parts.length === 0 || f.parts.length === PARTS.length ? '' : ` [${f.parts.join(', ')}]`}`);
  return [
    'usage: npm run bench -- [options]      (node dist/bench/run-all.js [options])',
    '',
    `Runs the parts of the benchmark in turn (${PARTS.join(', ')}),`,
    'passing each the flags that reach it (in brackets; no brackets: every part), and writes',
    'bench-results/bench.json. Unknown flags are a usage error (exit status 2).',
    '',
    ...lines,
  ].join('\n');
}

/** What `npm run bench` was asked for; undefined fields keep each part's default. */
export interface RunAllOptions {
  parts: PartName[];
  seconds?: number;
  repeats?: number;
  threads?: number[];
  models?: string[];
  backend?: string;
  wasm: boolean;
  pytorch: boolean;
  pytorchAllocator?: TorchAllocator;
  sgemm: boolean;
  heads?: number[];
  clients?: number;
  perRound?: number;
  rounds?: number;
  /** Results folder. */
  out: string;
}

/** Parses and checks the command line; null when help was asked for. Throws a UsageError (or UnknownNameError) on bad usage. */
export function parseRunAllOptions(argv: readonly string[]): RunAllOptions | null {
  const options = Object.fromEntries(Object.entries(RUN_ALL_FLAGS).map(([name, f]) => [name, name === 'help' ? { type: f.type, short: 'h' } : { type: f.type }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), 'see npm run bench -- --help');
  }
  if (values.help === true) return null;
  const str = (name: keyof typeof RUN_ALL_FLAGS): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  const opt = <T>(name: keyof typeof RUN_ALL_FLAGS, read: (raw: string) => T): T | undefined => {
    const raw = str(name);
    return raw === undefined ? undefined : read(raw);
  };
  const parsed: RunAllOptions = {
    parts: opt('only', (raw) => nameList('only', raw, PARTS) as PartName[]) ?? [...PARTS],
    seconds: opt('seconds', (raw) => positiveNumber('seconds', raw)),
    repeats: opt('repeats', (raw) => positiveInteger('repeats', raw)),
    threads: opt('threads', (raw) => positiveIntegerList('threads', raw)),
    models: opt('models', (raw) => nameList('models', raw, THROUGHPUT_MODELS)),
    backend: opt('backend', (raw) => oneName('backend', raw, JOINTLY_BACKENDS)),
    wasm: values.wasm === true,
    pytorch: values['no-pytorch'] !== true,
    pytorchAllocator: opt('pytorch-allocator', (raw) => oneName('pytorch-allocator', raw, TORCH_ALLOCATORS) as TorchAllocator),
    sgemm: values['no-sgemm'] !== true,
    heads: opt('heads', (raw) => positiveIntegerList('heads', raw)),
    clients: opt('clients', (raw) => positiveInteger('clients', raw)),
    perRound: opt('per-round', (raw) => positiveInteger('per-round', raw)),
    rounds: opt('rounds', (raw) => positiveInteger('rounds', raw)),
    out: str('out') ?? 'bench-results',
  };
  if (parsed.clients !== undefined && parsed.perRound !== undefined && parsed.perRound > parsed.clients) {
    throw new UsageError(`--per-round ${parsed.perRound} is more than --clients ${parsed.clients}`, 'sample at most every client per round');
  }
  return parsed;
}

/** A part run as a child process: `node dist/bench/<script> <args>` with `env` added to the runner's environment. */
export interface ChildPartCommand {
  part: Exclude<PartName, 'aggregation'>;
  /** File name in dist/bench/. */
  script: string;
  args: string[];
  env: Record<string, string>;
  /** The JSON file the part writes. */
  results: string;
}

/** `dir/file` without doubling the separator. */
function inDir(dir: string, file: string): string {
  return `${dir.replace(/\/+$/, '')}/${file}`;
}

/** JOINTLY_THREADS for a part that runs at one thread count: the largest asked for (nothing when --threads was not given). */
function threadsEnv(o: RunAllOptions): Record<string, string> {
  return o.threads === undefined ? {} : { JOINTLY_THREADS: String(Math.max(...o.threads)) };
}

/** `[--flag, value]` when `value` is defined. */
function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [`--${name}`, String(value)];
}

/** The command line and environment of a part run as a child process. */
export function partCommand(part: Exclude<PartName, 'aggregation'>, o: RunAllOptions): ChildPartCommand {
  switch (part) {
    case 'throughput': {
      const results = inDir(o.out, 'throughput.json');
      const args = [
        ...flag('seconds', o.seconds),
        ...flag('repeats', o.repeats),
        ...flag('threads', o.threads?.join(',')),
        ...flag('models', o.models?.join(',')),
        ...flag('backend', o.backend),
        ...(o.wasm ? ['--wasm'] : []),
        ...(o.pytorch ? [] : ['--no-pytorch']),
        ...flag('pytorch-allocator', o.pytorchAllocator),
        ...(o.sgemm ? [] : ['--no-sgemm']),
        '--out',
        results,
      ];
      return { part, script: 'throughput.js', args, env: {}, results };
    }
    case 'per-loss': {
      const results = inDir(o.out, 'per-loss-step.json');
      const args = [
        ...flag('seconds', o.seconds),
        ...flag('rounds', o.repeats),
        ...flag('backend', o.backend),
        ...flag('heads', o.heads?.join(',')),
        ...(o.pytorch ? [] : ['--no-pytorch']),
        ...flag('pytorch-allocator', o.pytorchAllocator),
        '--out',
        results,
      ];
      return { part, script: 'per-loss-step.js', args, env: threadsEnv(o), results };
    }
    case 'federated-scale': {
      const args = [...flag('clients', o.clients), ...flag('per-round', o.perRound), ...flag('rounds', o.rounds), ...flag('backend', o.backend), '--out', o.out];
      return { part, script: 'federated-scale.js', args, env: threadsEnv(o), results: inDir(o.out, 'federated-scale.json') };
    }
  }
}

/**
 * What the aggregation part (src/bench/aggregation.ts's `measureAggregation`) is given: the
 * flags that reach it, undefined when not given (its own defaults then apply).
 */
export interface AggregationPartOptions {
  seconds?: number;
  repeats?: number;
  /** Thread counts asked for (JOINTLY_THREADS is also set to the largest before it runs). */
  threads?: number[];
  /** Results folder. */
  out: string;
}

/** The options handed to `measureAggregation`. */
export function aggregationOptions(o: RunAllOptions): AggregationPartOptions {
  return {
    ...(o.seconds === undefined ? {} : { seconds: o.seconds }),
    ...(o.repeats === undefined ? {} : { repeats: o.repeats }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    out: o.out,
  };
}
