/**
 * `jointly server <config>`: the networked federated server. Its log goes to stderr as
 * human-readable lines and to `<run folder>/server.log` as JSON lines (rotated by size,
 * written asynchronously, rate limited per connection; see report/json-log.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { JointlyError, messageOf } from '../../errors.js';
import type { FederatedConfig } from '../../federated/config.js';
import { federatedTable, federatedVerdict, summarizeFederated, type FederatedReportInput } from '../../federated/federated-report.js';
import { runServer } from '../../federated/network/run-server.js';
import { safeLine } from '../../federated/protocol/peer-text.js';
import { openJsonLog } from '../../report/json-log.js';
import { openRunFolder } from '../../report/run-folder.js';
import type { Output } from '../output.js';
import { epsilonText, stopSignal } from './federated-common.js';
import { rewriteMetrics, writeFederatedReport } from './simulate.js';
import { strategyName } from '../../federated/strategies/options.js';

export interface ServerCommandOptions {
  /** Run folder (default runs/<name>); holds the checkpoint that --resume continues. */
  out?: string;
  resume: boolean;
}

export async function serverCommand(config: FederatedConfig, opts: ServerCommandOptions, out: Output): Promise<number> {
  const folder = openRunFolder(opts.out ?? join('runs', config.name));
  // Server logs are the operator's record: on stderr even with --quiet, and in the run folder.
  const logger = openJsonLog({
    file: folder.path('server.log'),
    maxBytes: Math.floor(config.server.logMaxMiB * 1024 * 1024),
    files: config.server.logFiles,
  });
  const log = logger.log;
  const stop = stopSignal(out);
  try {
    const { result, task, evaluation } = await runServer({
      config,
      folder,
      resume: opts.resume,
      signal: stop.signal,
      log,
      onListening: (url) => {
        if (!opts.resume) folder.writeJson('config.json', config);
        log(`listening on ${url} (run folder ${folder.dir})`, { event: 'listening', url });
      },
      onEvent: (e) => {
        switch (e.type) {
          case 'round-start':
            log(`round ${e.round} started with ${e.sampled.length} client(s): ${e.sampled.join(', ')} (params ${e.paramsChecksum})`, {
              event: 'round-start',
              round: e.round,
              clients: e.sampled.length,
              params: e.paramsChecksum,
            });
            break;
          case 'round-end': {
            const r = e.record;
            folder.appendJsonl('metrics.jsonl', r);
            const acc = r.evaluation === undefined ? '' : `, test accuracy ${(r.evaluation.accuracy * 100).toFixed(2)}%`;
            const eps = epsilonText(r);
            log(`round ${r.round} done: ${r.replied.length} repl${r.replied.length === 1 ? 'y' : 'ies'} aggregated, ${r.failures.length} failed${acc}${eps === '' ? '' : `, ${eps}`} (${r.seconds.toFixed(1)} s, params ${r.paramsChecksum})`, {
              event: 'round-end',
              round: r.round,
              replied: r.replied.length,
              failed: r.failures.length,
              accuracy: r.evaluation?.accuracy,
              ...(r.aggregate.epsilon === undefined ? {} : { epsilon: r.aggregate.epsilon, delta: r.aggregate.delta }),
              seconds: r.seconds,
              params: r.paramsChecksum,
            });
            // A failure's reason may quote what a client sent (an error message, a field name).
            for (const f of r.failures) log(`  round ${r.round}: ${f.clientId} failed: ${safeLine(f.reason)}`, { level: 'warn', event: 'client-failed', round: r.round, clientId: f.clientId, reason: f.reason });
            break;
          }
          case 'checkpoint':
            log(`checkpoint: round ${e.round} saved to ${e.path}`, { event: 'checkpoint', round: e.round, path: e.path });
            break;
          case 'resumed':
            rewriteMetrics(folder, e.history);
            log(`resumed from ${e.path} after round ${e.round}`, { event: 'resumed', round: e.round, path: e.path });
            break;
          case 'round-refused':
            log(`round ${e.round} refused: ${safeLine(e.reason)}`, { level: 'warn', event: 'round-refused', round: e.round, reason: e.reason });
            break;
          case 'stopped':
            log(`stopped before round ${e.round}: ${safeLine(e.reason)}`, { event: 'stopped', round: e.round, reason: e.reason });
            break;
          case 'waiting':
            log(`round ${e.round}: waiting for ${e.needed} client(s), ${e.available} connected`, { event: 'waiting', round: e.round, needed: e.needed, available: e.available });
            break;
        }
      },
    });
    const input: FederatedReportInput = {
      title: `${config.name}: ${strategyName(config.strategy)}, networked`,
      strategy: strategyName(config.strategy),
      // The backend runServer selected and activated (it evaluates the global model on it).
      backend: tf.getBackend(),
      history: result.history,
      clients: result.clients,
      notes: [
        `The global model is scored on ${evaluation}.`,
        ...(task.classNames === undefined ? [] : [`Classes, in index order: ${task.classNames.join(', ')}.`]),
        'Local-only and pooled baselines need the clients\' data in one place; `jointly simulate` computes them for a simulated split.',
      ],
    };
    writeFederatedReport(folder, input);
    const summary = summarizeFederated(input);
    if (result.interrupted) {
      log(`stopped after round ${result.round}; continue with: jointly server <config> --resume --out ${folder.dir}`, { level: 'warn', event: 'stopped', round: result.round });
      return 130;
    }
    log(`finished ${result.round} round(s); report in ${folder.path('report.md')}`, { event: 'finished', round: result.round, report: folder.path('report.md') });
    out.result(['', federatedTable(input, summary), '', federatedVerdict(summary), `run folder: ${folder.dir}`].join('\n'), { runDir: folder.dir, summary });
    return 0;
  } catch (err) {
    // The operator's record says why the run stopped (the CLI prints the error with its hint after).
    log(`stopped by an error: ${safeLine(messageOf(err), 2000)}`, { level: 'error', event: 'fatal', ...(err instanceof JointlyError ? { code: err.code } : {}) });
    throw err;
  } finally {
    stop.dispose();
    // The last lines (finished, report written, or the error's context) are on disk before the command returns.
    await logger.close();
  }
}
