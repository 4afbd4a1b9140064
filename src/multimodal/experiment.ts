/**
 * A multimodal experiment end to end, in Node: validate the config, read its data, run it, and
 * write its run folder (resolved config, per-epoch losses, report.md / report.json, the loss
 * curves, and the first seed's fused models with their preprocessing).
 */
import { loadMultimodalData } from '../data/multimodal/load.js';
import { ConfigError } from '../errors.js';
import { lineChartSvg, type Series } from '../report/line-chart-svg.js';
import { createRunFolder, type RunFolder } from '../report/run-folder.js';
import { MultimodalConfigSchema, type MultimodalConfig, type MultimodalConfigInput } from './config.js';
import { multimodalMarkdown, multimodalText, multimodalVerdict, summarizeMultimodal, type MultimodalSummary } from './multimodal-report.js';
import type { PreparedData } from './prepare.js';
import type { MultimodalResult } from './result.js';
import { runMultimodal, type MultimodalEvent, type MultimodalRawData } from './run-multimodal.js';
import { saveMultimodalModel } from './saved-model.js';

/** What `runMultimodalExperiment` takes besides the config: the backend name, an event callback, the run folder, and optionally the data in memory. */
export interface MultimodalExperimentOptions {
  backend: string;
  /** Called with every event of the run (see `MultimodalEvent`), before the run folder records it; it is not awaited. */
  onEvent?: (event: MultimodalEvent) => void;
  /** Where to write the run folder; default: a new `<output.dir>/<name>-<timestamp>`. */
  runDir?: RunFolder;
  /** The data in memory, instead of what the config names. */
  loadData?: (config: MultimodalConfig) => MultimodalRawData;
}

/** What `runMultimodalExperiment` returns: the result, its summary, the run folder's path, the tables as aligned text and the verdict sentences. */
export interface MultimodalExperimentResult {
  result: MultimodalResult;
  summary: MultimodalSummary;
  runDir: string;
  /** The tables and the verdict as aligned text. */
  table: string;
  verdict: string[];
}

/** The config's data from files and packages (Node). */
export function loadConfigData(config: MultimodalConfig): MultimodalRawData {
  if (config.data === undefined) throw new ConfigError('data', 'the config has no data', 'add a data block, e.g. "data": { "type": "two-view-noisy" } (see jointly info for the datasets)');
  return loadMultimodalData(config.data);
}

/** Per-epoch training loss of every model of the first seed, as an SVG chart. */
export function lossCurvesSvg(result: MultimodalResult): string | undefined {
  const first = result.seeds[0];
  if (first === undefined) return undefined;
  const series: Series[] = Object.entries(first.losses).map(([label, values]) => ({ label, points: values.map((v, i) => [i + 1, v] as [number, number]), dashed: label.startsWith('alone/') }));
  if (series.every((s) => s.points.length < 2)) return undefined;
  return lineChartSvg(series, { title: `${result.name}: training loss (seed ${first.seed})`, xLabel: 'epoch', yLabel: 'cross-entropy' });
}

/** Runs a multimodal experiment and writes its run folder. */
export async function runMultimodalExperiment(input: MultimodalConfigInput, opts: MultimodalExperimentOptions): Promise<MultimodalExperimentResult> {
  const config = MultimodalConfigSchema.parse(input);
  let created: RunFolder | undefined;
  const open = (): RunFolder => {
    if (created === undefined) {
      created = opts.runDir ?? createRunFolder(config.output.dir, config.name);
      created.writeJson('config.json', { ...config, fusions: config.fusions.map((f) => ({ name: f.name, ...(f.options as object) })) });
    }
    return created;
  };
  let prepared: PreparedData | undefined;
  const result = await runMultimodal(config, {
    loadData: opts.loadData ?? loadConfigData,
    backend: opts.backend,
    onEvent: async (event) => {
      const folder = open();
      opts.onEvent?.(event);
      if (event.type === 'prepared') prepared = event.prepared;
      if (event.type === 'epoch') {
        folder.appendJsonl('metrics.jsonl', { seed: event.seed, model: event.phase.kind === 'alone' ? `alone/${event.phase.modality}` : `fused/${event.phase.fusion}`, ...event.record });
      }
      if (event.type === 'phase-end' && event.phase.kind === 'fused' && config.output.saveModels && event.seed === config.seeds[0] && prepared !== undefined) {
        await saveMultimodalModel(event.member, folder.path('models', event.phase.fusion), {
          fusion: event.phase.fusion,
          modalities: prepared.modalities,
          numClasses: prepared.numClasses,
          ...(prepared.classNames === undefined ? {} : { classNames: prepared.classNames }),
        });
      }
    },
  });
  const folder = open();
  const summary = summarizeMultimodal(result);
  folder.writeText('report.md', multimodalMarkdown(result));
  folder.writeJson('report.json', { result, summary });
  const svg = lossCurvesSvg(result);
  if (svg !== undefined) folder.writeText('losses.svg', svg);
  return { result, summary, runDir: folder.dir, table: multimodalText(result), verdict: multimodalVerdict(result, summary) };
}
