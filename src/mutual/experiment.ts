/**
 * A mutual-learning experiment end to end: validate the config, run it, and write its run
 * folder (resolved config, per-epoch metrics, report, learning curves, trained models).
 */
import { saveModel } from '../engine/model-io.js';
import { nodeIo } from '../engine/node-io.js';
import type { RunIo } from '../engine/run-io.js';
import type { RawData } from '../data/prepare.js';
import { comparisonText, verdict, type Comparison } from '../report/joint-vs-alone.js';
import { createRunFolder, type RunFolder } from '../report/run-folder.js';
import { MutualConfigSchema, type MutualConfigInput } from './config.js';
import { curvesSvg, mutualComparison, mutualReportMarkdown, type Curves } from './mutual-report.js';
import { runMutual, type MutualEvent, type MutualResult } from './run-mutual.js';

/** Options of {@link runMutualExperiment}: the backend name for the report, and optionally progress events, the run folder, in-memory data and the io. */
export interface ExperimentOptions {
  /** Name of the active backend, for the report. */
  backend: string;
  /** Progress and metrics as they happen. */
  onEvent?: (event: MutualEvent) => void;
  /** Where to write the run folder; default: a new `<output.dir>/<name>-<timestamp>`. */
  runDir?: RunFolder;
  /** The data in memory, instead of the files the config names (see runMutual). */
  data?: RawData;
  /** How data files and saved models are read. Default: from disk (`nodeIo`). */
  io?: RunIo;
}

/** What {@link runMutualExperiment} returns: the run's result, its joint-versus-alone comparison, and where it was written. */
export interface ExperimentResult {
  /** Every seed's alone and joint test scores (what `runMutual` returns). */
  result: MutualResult;
  /** The joint-versus-alone comparison the report and the verdict are made from. */
  comparison: Comparison;
  /** The run folder's path. */
  runDir: string;
  /** The joint-vs-alone table as aligned text. */
  table: string;
  /** One sentence: did joint beat alone? */
  verdict: string;
}

/** Runs a mutual-learning experiment and writes its run folder. */
export async function runMutualExperiment(input: MutualConfigInput, opts: ExperimentOptions): Promise<ExperimentResult> {
  const config = MutualConfigSchema.parse(input);
  // The folder is made at the first event, after the first seed's data has loaded: a run whose data fails leaves none.
  let created: RunFolder | undefined;
  const open = (): RunFolder => {
    if (created === undefined) {
      created = opts.runDir ?? createRunFolder(config.output.dir, config.name);
      created.writeJson('config.json', { ...config, method: { name: config.method.name, ...(config.method.options as object) } });
    }
    return created;
  };
  const curves: Curves = { alone: {}, joint: {} };
  const result = await runMutual(config, {
    io: opts.io ?? nodeIo,
    ...(opts.data === undefined ? {} : { data: opts.data }),
    onEvent: async (event) => {
      const folder = open();
      opts.onEvent?.(event);
      if (event.type === 'epoch') {
        folder.appendJsonl('metrics.jsonl', {
          seed: event.seed,
          phase: event.phase,
          ...event.record,
          validation: event.validation,
        });
        if (event.validation !== undefined && event.seed === config.seeds[0]) {
          event.members.forEach((name, i) => {
            (curves[event.phase][name] ??= []).push(event.validation?.members[i]?.accuracy ?? Number.NaN);
          });
        }
      }
      if (event.type === 'phase-end' && config.output.saveModels) {
        for (const member of event.members) {
          await saveModel(member, folder.path('models', `seed-${event.seed}`, event.phase, member.name), { schema: event.schema });
        }
      }
    },
  });
  const folder = open();
  const comparison = mutualComparison(result);
  folder.writeText('report.md', mutualReportMarkdown(result, comparison, opts.backend));
  folder.writeJson('report.json', { method: result.method, data: result.data, backend: opts.backend, comparison, seeds: result.seeds });
  if (Object.keys(curves.joint).length > 0) {
    folder.writeText('curves.svg', curvesSvg(curves, `${result.method}: validation accuracy, joint (solid) vs alone (dashed), seed ${config.seeds[0]}`));
  }
  return { result, comparison, runDir: folder.dir, table: comparisonText(comparison), verdict: verdict(comparison) };
}
