/**
 * `jointly simulate <config>` for a `mode: "federated-healthcare"` config: the federated
 * multimodal example (simulated hospitals with a scan and a record per patient), run through the
 * federated simulation three times (image-only, record-only, fused), with its per-site table.
 */
import { createRunFolder, openRunFolder } from '../../report/run-folder.js';
import { parseHealthcareConfig } from '../../multimodal/federated/healthcare-config.js';
import { runHealthcareExample } from '../../multimodal/federated/run-healthcare.js';
import type { Output } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { stopSignal } from './federated-common.js';

/** Runs the healthcare example from its raw config; returns the exit code (130 when stopped by a signal). */
export async function simulateHealthcareCommand(raw: unknown, opts: { out?: string }, out: Output): Promise<number> {
  const config = parseHealthcareConfig(raw);
  const folder = opts.out === undefined ? createRunFolder('runs', config.name) : openRunFolder(opts.out);
  folder.writeJson('config.json', config);
  const stop = stopSignal(out, 'stopping after the current round');
  const bar = new ProgressBar({ unit: 'rounds/s' });
  let started = performance.now();
  try {
    const result = await runHealthcareExample(config, {
      outDir: folder.dir,
      signal: stop.signal,
      onEvent: (variant, e) => {
        if (!out.chatty) return;
        if (e.type === 'started') {
          started = performance.now();
          out.info(`${variant}: ${e.clients} sites on ${e.workers} worker thread(s), backend ${e.backend}`);
          bar.start(`  ${variant} rounds`, config.rounds);
        } else if (e.type === 'round-end') {
          const acc = e.record.evaluation === undefined ? '' : `test acc ${(e.record.evaluation.accuracy * 100).toFixed(1)}%`;
          if (e.record.round < config.rounds) bar.update(e.record.round, e.record.round, acc);
          else bar.finish(e.record.round / Math.max((performance.now() - started) / 1000, 1e-9), acc);
        } else if (e.type === 'baseline-start') {
          out.info(`  ${variant}: ${e.which === 'localOnly' ? 'every site trained alone' : 'all sites pooled'}`);
        }
      },
    });
    folder.writeText('report.md', result.markdown);
    folder.writeJson('report.json', result.summary);
    out.result(`\n${result.markdown}\nrun folder: ${folder.dir}`, { runDir: folder.dir, summary: result.summary });
    return result.interrupted ? 130 : 0;
  } finally {
    stop.dispose();
  }
}
