/**
 * `jointly demo`: deep mutual learning of two MLPs on the built-in MNIST digits with 40%
 * symmetric label noise (the setting where mutual learning is known to help), against the same
 * two MLPs trained alone. About two minutes on a 2-core machine with the wasm backend.
 */
import type { MutualConfigInput } from '../../mutual/config.js';
import type { Output } from '../output.js';
import { applyOverrides, runExperiment, type RunOverrides } from './run.js';

export const DEMO_CONFIG: MutualConfigInput = {
  mode: 'mutual',
  name: 'demo',
  seeds: [0],
  data: { dataset: 'mnist', testFraction: 0.2, validationFraction: 0.1, labelNoise: { rate: 0.4, type: 'symmetric' } },
  models: [
    { type: 'mlp', hidden: [256, 128] },
    { type: 'mlp', hidden: [256, 128] },
  ],
  method: { name: 'dml', temperature: 1, klWeight: 1, rampUpEpochs: 2 },
  training: { epochs: 15, batchSize: 64, optimizer: { name: 'adam', learningRate: 1e-3 } },
  output: { dir: 'runs', saveModels: true },
};

/** Runs the demo experiment (overrides apply as for `jointly run`). */
export async function demoCommand(overrides: RunOverrides, out: Output): Promise<number> {
  out.info('jointly demo: do two models trained together beat the same two trained alone?');
  out.info('deep mutual learning, two MLPs 784-256-128-10, MNIST digits with 40% of the training labels wrong\n');
  return runExperiment(applyOverrides(DEMO_CONFIG, overrides, 'the demo config'), out);
}
