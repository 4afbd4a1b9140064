/**
 * A multi-task experiment end to end, in Node: validate the config, read its data, run it, and
 * write its run folder (resolved config, per-epoch metrics, report.md/report.json, validation
 * curves, and the trained multi-task models).
 */
import { saveModel } from '../engine/model-io.js';
import { loadMultitaskData } from '../data/multitask/load.js';
import { createRunFolder, type RunFolder } from '../report/run-folder.js';
import { MultitaskConfigSchema, type MultitaskConfig, type MultitaskConfigInput } from './config.js';
import { multitaskComparison, multitaskCurvesSvg, multitaskReportJson, multitaskReportMarkdown, multitaskReportText, multitaskVerdict, type MultitaskComparison } from './multitask-report.js';
import { runMultitask, type MultitaskData, type MultitaskEvent } from './run-multitask.js';
import type { MultitaskResult } from './result.js';

/** Options of {@link runMultitaskExperiment}: the backend name for the report, and optionally progress events, the run folder and in-memory data. */
export interface MultitaskExperimentOptions {
  /** Name of the active backend, for the report. */
  backend: string;
  /** Progress and metrics as they happen. */
  onEvent?: (event: MultitaskEvent) => void;
  /** Where to write the run folder; default: a new `<output.dir>/<name>-<timestamp>`. */
  runDir?: RunFolder;
  /** The data of a seed in memory, instead of the files the config names. */
  loadData?: (config: MultitaskConfig, seed: number) => MultitaskData;
}

/** What {@link runMultitaskExperiment} returns: the run's result, its multi-task vs single-task comparison, and where it was written. */
export interface MultitaskExperimentResult {
  /** Every seed's multi-task and single-task scores. */
  result: MultitaskResult;
  /** The per-task comparison of the multi-task model with the single-task models. */
  comparison: MultitaskComparison;
  /** The run folder's path. */
  runDir: string;
  /** The multi-task vs single-task table as aligned text. */
  table: string;
  /** One sentence: did multi-task training beat the single-task models? */
  verdict: string;
}

/** Reads the config's data for a seed from files (Node). */
export function loadConfigData(config: MultitaskConfig, seed: number): MultitaskData {
  return loadMultitaskData(config.data, seed);
}

/** Runs a multi-task experiment and writes its run folder. */
export async function runMultitaskExperiment(input: MultitaskConfigInput, opts: MultitaskExperimentOptions): Promise<MultitaskExperimentResult> {
  const config = MultitaskConfigSchema.parse(input);
  // The folder is made at the first event, after the first seed's data has loaded: a run whose data fails leaves none.
  let created: RunFolder | undefined;
  const open = (): RunFolder => {
    if (created === undefined) {
      created = opts.runDir ?? createRunFolder(config.output.dir, config.name);
      created.writeJson('config.json', {
        ...config,
        architecture: { name: config.architecture.name, ...(config.architecture.options as object) },
        weighting: { name: config.weighting.name, representation: config.weighting.representation, ...(config.weighting.options as object) },
      });
    }
    return created;
  };
  const result = await runMultitask(config, {
    loadData: opts.loadData ?? loadConfigData,
    backend: opts.backend,
    onEvent: async (event) => {
      const folder = open();
      opts.onEvent?.(event);
      if (event.type === 'epoch') {
        folder.appendJsonl('metrics.jsonl', {
          seed: event.seed,
          model: event.phase.kind === 'multi' ? 'multitask' : `single-task ${event.phase.task}`,
          ...event.record,
          taskLosses: event.taskLosses,
          validation: event.validation,
          weights: event.weights,
        });
      }
      if (event.type === 'phase-end' && config.output.saveModels) {
        const model = event.phase.kind === 'multi' ? 'multitask' : `single-${event.phase.task}`;
        await saveModel(event.member, folder.path('models', `seed-${event.seed}`, model));
      }
    },
  });
  const folder = open();
  const comparison = multitaskComparison(result);
  folder.writeText('report.md', multitaskReportMarkdown(result, comparison));
  folder.writeJson('report.json', multitaskReportJson(result, comparison));
  const svg = multitaskCurvesSvg(result);
  if (svg !== undefined) folder.writeText('curves.svg', svg);
  return { result, comparison, runDir: folder.dir, table: multitaskReportText(result, comparison), verdict: multitaskVerdict(comparison) };
}
