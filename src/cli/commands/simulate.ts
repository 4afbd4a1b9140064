/** `jointly simulate <config>`: a federated run with N virtual clients on worker threads. */
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { FederatedConfig } from '../../federated/config.js';
import { accuracySvg, divergenceText, federatedMarkdown, federatedTable, federatedVerdict, privacySvg, summarizeFederated, type FederatedReportInput } from '../../federated/federated-report.js';
import { CHECKPOINT_FILE } from '../../federated/network/run-server.js';
import type { RoundRecord } from '../../federated/server/coordinator.js';
import { overheadText } from '../../federated/server/update-overhead.js';
import { runSimulation, type Baselines, type SimulationEvent } from '../../federated/simulation/run-simulation.js';
import { createRunFolder, openRunFolder, type RunFolder } from '../../report/run-folder.js';
import type { Output } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { epsilonText, federatedLogger, stopSignal } from './federated-common.js';
import { strategyName } from '../../federated/strategies/options.js';

export interface SimulateOptions {
  /** Run folder: exact folder when given (needed for --resume), else a new one under runs/. */
  out?: string;
  resume: boolean;
}

function progress(out: Output, config: FederatedConfig): (e: SimulationEvent) => void {
  const bar = new ProgressBar({ unit: 'clients/s' });
  let done = 0;
  let baselineStarted = 0;
  let baselineTasks = 0;
  const log = federatedLogger(out);
  return (e) => {
    switch (e.type) {
      case 'started':
        out.info(`simulating ${e.clients} clients on ${e.workers} worker thread(s), backend ${e.backend}: ${e.description}`);
        break;
      case 'round-start':
        done = 0;
        if (out.chatty) bar.start(`  round ${String(e.round).padStart(String(config.rounds).length)}/${config.rounds}`, e.sampled.length);
        break;
      case 'client-task-done':
        done++;
        if (out.chatty) bar.update(done, done);
        break;
      case 'round-end': {
        const r = e.record;
        const acc = r.evaluation === undefined ? '' : `test acc ${(r.evaluation.accuracy * 100).toFixed(2)}%`;
        const eps = epsilonText(r);
        const overhead = r.overhead === undefined || r.overhead.updates === 0 ? '' : `  overhead ${(r.overhead.share * 100).toFixed(1)}%`;
        if (out.chatty) bar.finish(r.sampled.length / Math.max(r.seconds, 1e-9), `${acc}  train loss ${r.trainLoss.toFixed(4)}${eps === '' ? '' : `  ${eps}`}${overhead}${r.failures.length > 0 ? `  ${r.failures.length} failed` : ''}`);
        break;
      }
      case 'baseline-start':
        done = 0;
        baselineStarted = performance.now();
        baselineTasks = e.tasks;
        out.info(
          e.which === 'localOnly'
            ? 'baseline: every client trained alone on its own data'
            : e.which === 'pooled'
              ? 'baseline: one model trained on all the data pooled'
              : 'baseline: the same federation without privacy, to show what privacy costs',
        );
        if (out.chatty) bar.start(`  ${e.which === 'localOnly' ? 'local-only' : e.which === 'pooled' ? 'pooled' : 'non-private'}`, e.tasks);
        break;
      case 'baseline-done':
        if (out.chatty) bar.finish(baselineTasks / Math.max((performance.now() - baselineStarted) / 1000, 1e-9), e.diverged === 0 ? 'done' : `diverged${baselineTasks > 1 ? ` on ${e.diverged} of ${baselineTasks}` : ''}`);
        break;
      default:
        log(e);
    }
  };
}

/** metrics.jsonl from the checkpoint's history: a crash between checkpoint and append loses no line. */
export function rewriteMetrics(folder: RunFolder, history: readonly RoundRecord[]): void {
  folder.writeText('metrics.jsonl', history.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Writes the report files of a finished (or interrupted) federated run. */
export function writeFederatedReport(folder: RunFolder, input: FederatedReportInput): void {
  folder.writeText('report.md', federatedMarkdown(input));
  folder.writeText('accuracy.svg', accuracySvg(input));
  const privacy = privacySvg(input);
  if (privacy !== undefined) folder.writeText('privacy.svg', privacy);
  folder.writeJson('report.json', { summary: summarizeFederated(input), ...input });
}

export async function simulateCommand(config: FederatedConfig, opts: SimulateOptions, out: Output): Promise<number> {
  if (opts.resume && opts.out === undefined) throw new UsageError('--resume needs --out <run folder>', 'give the folder of the run to continue');
  if (opts.out !== undefined && !opts.resume && existsSync(`${opts.out}/${CHECKPOINT_FILE}`)) {
    throw new UsageError(`${opts.out} already holds a run`, 'pass --resume to continue it, or choose another --out folder');
  }
  const folder = opts.out === undefined ? createRunFolder('runs', config.name) : openRunFolder(opts.out);
  if (!opts.resume) folder.writeJson('config.json', config);
  const stop = stopSignal(out);
  const onEvent = progress(out, config);
  const result = await runSimulation(config, {
    checkpointPath: folder.path(CHECKPOINT_FILE),
    outDir: folder.dir,
    resume: opts.resume,
    signal: stop.signal,
    onEvent: (e) => {
      onEvent(e);
      if (e.type === 'round-end') folder.appendJsonl('metrics.jsonl', e.record);
      if (e.type === 'resumed') rewriteMetrics(folder, e.history);
    },
  });
  stop.dispose();
  const input: FederatedReportInput = {
    title: `${config.name}: ${strategyName(config.strategy)}, ${config.simulation.clients} clients, ${config.simulation.partition.method} partition`,
    strategy: strategyName(config.strategy),
    backend: result.backend,
    history: result.federated.history,
    clients: result.federated.clients,
    localOnly: result.baselines.localOnly,
    pooled: result.baselines.pooled,
    ...(result.baselines.diverged === undefined ? {} : { diverged: result.baselines.diverged }),
    baselineEpochs: result.baselines.epochs,
    ...(result.baselines.nonPrivate === undefined ? {} : { nonPrivate: result.baselines.nonPrivate }),
    histograms: { counts: result.histograms },
    // Text labels or data.classes name the classes: the report, its histograms and report.json show the names, not "0 | 1".
    ...(result.task.classNames === undefined ? {} : { classNames: [...result.task.classNames] }),
    malicious: result.malicious,
  };
  const divergence = divergenceWarning(config, result.baselines);
  const notes = [
    ...(divergence === undefined ? [] : [`${divergence.message}. Fix: ${divergence.hint}.`]),
    ...(result.federated.stopped === undefined ? [] : [`Training stopped after round ${result.federated.round} of ${config.rounds}: ${result.federated.stopped}.`]),
  ];
  if (notes.length > 0) input.notes = notes;
  writeFederatedReport(folder, input);
  const summary = summarizeFederated(input);
  // Time of the client updates outside their training steps (copies, messages, slicing, batching, weight loads): the simulation's own cost.
  if (result.overhead.updates > 0) out.info(`simulation ${overheadText(result.overhead)}`);
  if (result.federated.interrupted) {
    out.info(`stopped after round ${result.federated.round}; continue with: jointly simulate <config> --resume --out ${folder.dir}`);
  }
  out.result(['', federatedTable(input, summary), '', federatedVerdict(summary), `run folder: ${folder.dir}`].join('\n'), {
    runDir: folder.dir,
    summary,
    overhead: result.overhead,
    interrupted: result.federated.interrupted,
    warnings: divergence === undefined ? [] : [{ code: 'BASELINE_DIVERGED', message: divergence.message, hint: divergence.hint }],
  });
  // A diverged baseline is not a failure of the run: the federated result stands (exit 0), and it is said plainly.
  if (divergence !== undefined) out.warn(divergence.message, divergence.hint);
  return result.federated.interrupted ? 130 : 0;
}

/** What to tell the user when a baseline diverged: which one, where, and the fix. */
export function divergenceWarning(config: FederatedConfig, baselines: Baselines): { message: string; hint: string } | undefined {
  const d = baselines.diverged;
  if (d === undefined) return undefined;
  const parts: string[] = [];
  if (d.pooled !== undefined) parts.push(`the pooled baseline (one model trained on all the clients' data) diverged: ${divergenceText(d.pooled)}`);
  const local = Object.entries(d.localOnly ?? {});
  if (local.length > 0) {
    const total = local.length + Object.keys(baselines.localOnly ?? {}).length;
    const which = local.slice(0, 3).map(([id, x]) => `${id}: ${divergenceText(x)}`).join('; ');
    parts.push(`the local-only baseline diverged on ${local.length} of ${total} clients (${which}${local.length > 3 ? `; and ${local.length - 3} more` : ''})${local.length < total ? ', left out of the local-only mean' : ''}`);
  }
  const message = `${parts.join('; ')}. A diverged baseline has no score; the federated result is unaffected`;
  const hint = `lower optimizer.learningRate (now ${config.optimizer.learningRate}) or scale the input features (e.g. to [0, 1]): each baseline trains rounds × localEpochs = ${baselines.epochs} epoch(s) in a row from the initial model, more steps without averaging than any client takes in a round`;
  return { message, hint };
}
