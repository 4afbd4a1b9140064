/**
 * One jointly measurement of the throughput benchmark, in a process of its own so that its
 * thread count (JOINTLY_THREADS, read when the native addon loads) is set from outside:
 *
 *   JOINTLY_THREADS=1 node dist/bench/step-child.js --model mlp [--backend auto] [--seconds 5]
 *
 * Loads the backend, times `trainStep` on the workload's fixed batch (measure.ts: warm-up, then
 * timed steps, with the process CPU time over the timed steps) and prints one JSON line,
 * a {@link StepChildResult}, on stdout. Exit status 1 when the backend does not load or the
 * measurement fails (the reason on stderr), 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadBackend, type LoadedBackend } from './backends.js';
import { measureAndDispose, type Measurement } from './measure.js';
import { ALL_WORKLOADS } from './workloads.js';

/** What the child prints. */
export interface StepChildResult {
  backend: LoadedBackend;
  measurement: Measurement;
}

const USAGE = `usage: node dist/bench/step-child.js --model ${ALL_WORKLOADS.map((w) => w.id).join('|')} [--backend auto] [--seconds N]`;

async function main(argv: string[]): Promise<number> {
  let model: string;
  let backend: string;
  let seconds: number;
  try {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, backend: { type: 'string', default: 'auto' }, seconds: { type: 'string', default: '5' } } });
    model = values.model ?? '';
    backend = values.backend;
    seconds = Number(values.seconds);
    if (!ALL_WORKLOADS.some((w) => w.id === model)) throw new Error(`--model must be one of ${ALL_WORKLOADS.map((w) => w.id).join(', ')}, got '${model}'`);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  const ref = ALL_WORKLOADS.find((w) => w.id === model);
  if (ref === undefined) return 2;
  const loaded = await loadBackend(backend);
  if (!('name' in loaded)) {
    process.stderr.write(`backend ${backend} does not load: ${loaded.reason}\n`);
    return 1;
  }
  const result: StepChildResult = { backend: loaded, measurement: measureAndDispose(loaded.name, ref, seconds) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`step measurement failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
