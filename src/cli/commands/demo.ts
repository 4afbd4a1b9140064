/**
 * `jointly demo`: deep mutual learning of two MLPs on the built-in MNIST digits with 40%
 * symmetric label noise (the setting where mutual learning is known to help), against the same
 * two MLPs trained alone. The experiment is configs/demo.json; about two minutes on 2 cores.
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config-file.js';
import type { Output } from '../output.js';
import { UsageError } from '../../errors.js';
import { applyOverrides, runExperiment, type RunOverrides } from './run.js';
import { runMultitaskCommand } from './run-multitask.js';
import { runMultimodalCommand } from './run-multimodal.js';

/** The demo's config file, shipped with the package. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../configs/demo.json', import.meta.url));

/** The multi-task demo's config file, shipped with the package. */
export const MULTITASK_DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../configs/demo-multitask.json', import.meta.url));

/** The multimodal demo's config file, shipped with the package. */
export const MULTIMODAL_DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../configs/demo-multimodal.json', import.meta.url));

/** The demos by name: `jointly demo` runs `mutual`. */
export const DEMO_NAMES = ['mutual', 'multitask', 'multimodal'] as const;

/** Runs the multimodal demo: two-view noisy Fashion-MNIST, each view alone against fused models and the ensemble. */
async function multimodalDemo(overrides: RunOverrides, out: Output): Promise<number> {
  out.info('jointly demo multimodal: does a model that sees two views beat the best single view, and the ensemble of single-view models?');
  out.info('two-view noisy Fashion-MNIST (view 1: the image rotated up to 45°; view 2: another image of the same class under heavy noise)\n');
  const { raw } = loadConfigFile(MULTIMODAL_DEMO_CONFIG_PATH);
  const config = applyOverrides(raw, overrides, MULTIMODAL_DEMO_CONFIG_PATH);
  if (config.mode !== 'multimodal') throw new Error(`${MULTIMODAL_DEMO_CONFIG_PATH} must be a multimodal config`);
  return runMultimodalCommand(config, out, overrides.out);
}

/** Runs the multi-task demo: MultiFashion, a shared LeNet trunk with two heads, against the single-task LeNets. */
async function multitaskDemo(overrides: RunOverrides, out: Output): Promise<number> {
  out.info('jointly demo multitask: does one model that learns two tasks together beat one model per task?');
  out.info('MultiFashion (two Fashion-MNIST items overlaid: the top-left one\'s class and the bottom-right one\'s), a LeNet trunk shared by two heads\n');
  const { raw } = loadConfigFile(MULTITASK_DEMO_CONFIG_PATH);
  const config = applyOverrides(raw, overrides, MULTITASK_DEMO_CONFIG_PATH);
  if (config.mode !== 'multitask') throw new Error(`${MULTITASK_DEMO_CONFIG_PATH} must be a multi-task config`);
  return runMultitaskCommand(config, out, overrides.out);
}

/** Runs a demo experiment by name (default the mutual-learning one; overrides apply as for `jointly run`). */
export async function demoCommand(overrides: RunOverrides, out: Output, name?: string): Promise<number> {
  if (name === 'multitask') return multitaskDemo(overrides, out);
  if (name === 'multimodal') return multimodalDemo(overrides, out);
  if (name !== undefined && name !== 'mutual') throw new UsageError(`unknown demo '${name}'`, `use one of: ${DEMO_NAMES.join(', ')} (jointly demo runs mutual)`);
  out.info('jointly demo: do two models trained together beat the same two trained alone?');
  out.info('deep mutual learning of two MLPs 784-256-128-10 on MNIST digits, 40% of the training labels wrong\n');
  const { raw } = loadConfigFile(DEMO_CONFIG_PATH);
  const config = applyOverrides(raw, overrides, DEMO_CONFIG_PATH);
  if (config.mode !== 'mutual') throw new Error(`${DEMO_CONFIG_PATH} must be a mutual-learning config`);
  return runExperiment(config, out, overrides.out);
}
