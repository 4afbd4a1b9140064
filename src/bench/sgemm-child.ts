/**
 * The sgemm limit's measurement, in a process of its own so that the addon loads with the
 * thread count under test:
 *
 *   JOINTLY_THREADS=1 [JOINTLY_GEMM=onednn|openblas] node dist/bench/sgemm-child.js --model mlp [--seconds 5]
 *
 * Times the workload's step products (sgemm-limit.ts) through the addon's matMul (sgemm.ts), on
 * the sgemm library JOINTLY_GEMM picks (oneDNN's by default), and
 * prints one JSON line, a {@link SgemmChildResult}, on stdout. Exit status 1 when the native
 * addon does not load (the reason on stderr) or the model is not an MLP, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadNativeAddon, type GemmLibrary } from '../engine/native/addon.js';
import { measureSgemm, type SgemmMeasurement } from './sgemm.js';
import { denseStepProducts, mlpUnits, type GemmProduct } from './sgemm-limit.js';
import { ALL_WORKLOADS } from './workloads.js';

/** What the child prints. */
export interface SgemmChildResult {
  model: string;
  batchSize: number;
  units: number[];
  /** The sgemm library the products ran on. */
  gemm: GemmLibrary;
  /** The addon's thread count (omp_get_max_threads) and OpenBLAS's, and OpenBLAS's kernels. */
  threads: number;
  openblasThreads: number;
  openblasCore: string;
  products: GemmProduct[];
  measurement: SgemmMeasurement;
}

const USAGE = 'usage: node dist/bench/sgemm-child.js --model mlp [--seconds N]';

function main(argv: string[]): number {
  let model: string;
  let seconds: number;
  try {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string', default: 'mlp' }, seconds: { type: 'string', default: '5' } } });
    model = values.model;
    seconds = Number(values.seconds);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  const ref = ALL_WORKLOADS.find((w) => w.id === model);
  const units = ref === undefined ? null : mlpUnits(ref);
  if (ref === undefined || units === null) {
    process.stderr.write(`--model must be an MLP workload (${ALL_WORKLOADS.filter((w) => mlpUnits(w) !== null).map((w) => w.id).join(', ')}), got '${model}'\n`);
    return 1;
  }
  const loaded = loadNativeAddon();
  if (!('addon' in loaded)) {
    process.stderr.write(`the native addon does not load: ${loaded.reason}\n`);
    return 1;
  }
  const addon = loaded.addon;
  const products = denseStepProducts(units, ref.batchSize);
  const measurement = measureSgemm({ matMul: addon.matMul.bind(addon), products, seconds });
  const info = addon.buildInfo();
  const result: SgemmChildResult = { model, batchSize: ref.batchSize, units, gemm: addon.getGemm(), threads: info.threads, openblasThreads: info.openblasThreads, openblasCore: info.openblasCore, products, measurement };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
