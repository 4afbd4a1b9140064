/** `jointly run <config>`: runs an experiment from a config file and prints the joint-vs-alone table. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../engine/backend.js';
import { UsageError } from '../../errors.js';
import { runMutualExperiment } from '../../mutual/experiment.js';
import type { MutualEvent } from '../../mutual/run-mutual.js';
import type { MutualConfig } from '../../mutual/config.js';
import { checkCommandMode, readConfigFile, validateConfig, type ExperimentConfig } from '../config-file.js';
import { openRunFolder, type RunFolder } from '../../report/run-folder.js';
import { simulateCommand } from './simulate.js';
import { runMultitaskCommand } from './run-multitask.js';
import { runMultimodalCommand } from './run-multimodal.js';
import { simulateHealthcareCommand } from './simulate-healthcare.js';
import type { Output } from '../output.js';
import { ProgressBar } from '../progress-bar.js';

/** Command-line overrides of a config. */
export interface RunOverrides {
  backend?: string;
  epochs?: number;
  seeds?: number[];
  out?: string;
  dataDir?: string;
  saveModels?: boolean;
  /** Federated: override `rounds`. */
  rounds?: number;
  /** Federated: continue the run in --out from its checkpoint. */
  resume?: boolean;
}

/** Applies the overrides to a raw config and validates the result. */
export function applyOverrides(raw: unknown, overrides: RunOverrides, source: string): ExperimentConfig {
  const cfg = { ...(raw as Record<string, unknown>) };
  const section = (key: string): Record<string, unknown> => {
    const value = cfg[key];
    const copy = typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
    cfg[key] = copy;
    return copy;
  };
  if (overrides.backend !== undefined) cfg.backend = overrides.backend;
  if (overrides.dataDir !== undefined) section('data').dataDir = overrides.dataDir;
  // --out is the run folder itself, for every mode (see runExperiment and simulateCommand).
  if (cfg.mode === 'federated') {
    // Federated runs have rounds, not epochs, and one seed.
    if (overrides.epochs !== undefined || overrides.seeds !== undefined) {
      throw new UsageError('--epochs and --seeds do not apply to federated configs', 'set rounds and strategy.localEpochs, and seed, in the config, or use --rounds');
    }
    if (overrides.rounds !== undefined) cfg.rounds = overrides.rounds;
    return validateConfig(cfg, source);
  }
  if (overrides.rounds !== undefined) throw new UsageError('--rounds applies to federated configs only', 'use --epochs for mutual-learning configs');
  if (overrides.seeds !== undefined) cfg.seeds = overrides.seeds;
  if (overrides.epochs !== undefined) section('training').epochs = overrides.epochs;
  if (overrides.saveModels !== undefined) section('output').saveModels = overrides.saveModels;
  return validateConfig(cfg, source);
}

function progressHandler(out: Output): (e: MutualEvent) => void {
  const bar = new ProgressBar({ unit: 'samples/s' });
  const startEpoch = (phase: string, epoch: number, epochs: number, steps: number): void => {
    bar.start(`    ${phase} epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`, steps);
  };
  return (e) => {
    if (!out.chatty) return;
    switch (e.type) {
      case 'seed-start':
        out.info(`seed ${e.seed} (${e.index + 1}/${e.total}): ${e.data}`);
        break;
      case 'phase-start':
        out.info(`  ${e.phase === 'alone' ? 'alone: each model trained on its own' : 'joint: the models trained together'} (${e.members.join(', ')})`);
        startEpoch(e.phase, 1, e.epochs, e.stepsPerEpoch);
        break;
      case 'step':
        bar.update(e.progress.step, e.progress.samples, `loss ${e.progress.loss.toFixed(3)}`);
        break;
      case 'epoch': {
        const val = e.validation === undefined ? '' : `  val acc ${e.validation.members.map((m) => (m.accuracy * 100).toFixed(1)).join(' / ')}`;
        const loss = Object.values(e.record.losses).reduce((a, b) => a + b, 0);
        bar.finish(e.record.samplesPerSecond, `loss ${loss.toFixed(3)}${val}`);
        const epochs = e.record.epoch + e.remainingEpochs;
        if (e.remainingEpochs > 0) startEpoch(e.phase, e.record.epoch + 1, epochs, e.stepsPerEpoch);
        break;
      }
      case 'phase-end':
        break;
    }
  };
}

/**
 * The run folder `dir` itself, made when the run first writes to it (a run whose data fails
 * leaves none, as with the default folder). Refuses a folder that already holds a run.
 */
export function runFolderAt(dir: string): RunFolder {
  if (existsSync(join(dir, 'config.json'))) {
    throw new UsageError(`${dir} already holds a run (its config.json)`, 'choose another --out folder (--out is the run folder itself), or leave --out out for a new <output.dir>/<name>-<timestamp>');
  }
  let folder: RunFolder | undefined;
  const open = (): RunFolder => (folder ??= openRunFolder(dir));
  return {
    dir,
    path: (...parts) => open().path(...parts),
    writeJson: (name, value) => open().writeJson(name, value),
    writeText: (name, text) => open().writeText(name, text),
    appendJsonl: (name, value) => open().appendJsonl(name, value),
  };
}

/**
 * Runs a validated mutual-learning config and prints its result. Returns the exit code.
 * `runDir` (--out) is the run folder itself; default a new `<output.dir>/<name>-<timestamp>`.
 */
export async function runExperiment(config: MutualConfig, out: Output, runDir?: string): Promise<number> {
  const folder = runDir === undefined ? undefined : runFolderAt(runDir);
  const backend = await selectBackend(config.backend);
  out.info(`backend: ${backend.name} (${backend.reason})`);
  const experiment = await runMutualExperiment(config, { backend: backend.name, onEvent: progressHandler(out), ...(folder === undefined ? {} : { runDir: folder }) });
  const text = [
    '',
    `Joint vs alone: ${experiment.comparison.title} (test accuracy)`,
    experiment.table,
    '',
    experiment.verdict,
    `run folder: ${experiment.runDir}`,
  ].join('\n');
  out.result(out.opts.quiet ? `${experiment.table}\n${experiment.verdict}` : text, {
    backend: backend.name,
    runDir: experiment.runDir,
    verdict: experiment.verdict,
    comparison: experiment.comparison,
    seeds: experiment.result.seeds,
  });
  return 0;
}

/** `jointly run <config>`. */
export async function runCommand(positionals: string[], overrides: RunOverrides, out: Output): Promise<number> {
  const path = positionals[0];
  if (path === undefined) throw new UsageError('jointly run needs a config file', 'jointly run configs/demo.json');
  const raw = readConfigFile(path);
  if ((raw as { mode?: unknown } | null)?.mode === 'federated-healthcare') return simulateHealthcareCommand(raw, { ...(overrides.out === undefined ? {} : { out: overrides.out }) }, out);
  checkCommandMode(raw, path, 'run', ['mutual', 'multitask', 'multimodal', 'federated']);
  const config = applyOverrides(raw, overrides, path);
  if (config.mode === 'federated') return simulateCommand(config, { out: overrides.out, resume: overrides.resume === true }, out);
  if (config.mode === 'multitask') return runMultitaskCommand(config, out, overrides.out);
  if (config.mode === 'multimodal') return runMultimodalCommand(config, out, overrides.out);
  return runExperiment(config, out, overrides.out);
}
