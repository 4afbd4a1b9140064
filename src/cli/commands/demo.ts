/**
 * `jointly demo`: deep mutual learning of two MLPs on the built-in MNIST digits with 40%
 * symmetric label noise (the setting where mutual learning is known to help), against the same
 * two MLPs trained alone. The experiment is configs/demo.json; about two minutes on 2 cores.
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config-file.js';
import type { Output } from '../output.js';
import { applyOverrides, runExperiment, type RunOverrides } from './run.js';

/** The demo's config file, shipped with the package. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../configs/demo.json', import.meta.url));

/** Runs the demo experiment (overrides apply as for `jointly run`). */
export async function demoCommand(overrides: RunOverrides, out: Output): Promise<number> {
  out.info('jointly demo: do two models trained together beat the same two trained alone?');
  out.info('deep mutual learning of two MLPs 784-256-128-10 on MNIST digits, 40% of the training labels wrong\n');
  const { raw } = loadConfigFile(DEMO_CONFIG_PATH);
  const config = applyOverrides(raw, overrides, DEMO_CONFIG_PATH);
  if (config.mode !== 'mutual') throw new Error(`${DEMO_CONFIG_PATH} must be a mutual-learning config`);
  return runExperiment(config, out, overrides.out);
}
