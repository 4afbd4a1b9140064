/** Runs a validated multimodal config from the command line: progress bars, then the fused-vs-alone and robustness tables. */
import { selectBackend } from '../../engine/backend.js';
import type { MultimodalConfig } from '../../multimodal/config.js';
import { runMultimodalExperiment } from '../../multimodal/experiment.js';
import type { MultimodalEvent, MultimodalPhase } from '../../multimodal/run-multimodal.js';
import type { Output } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { runFolderAt } from './run.js';

function phaseLabel(phase: MultimodalPhase): string {
  return phase.kind === 'alone' ? `${phase.modality} alone` : `fused ${phase.fusion}`;
}

function progressHandler(out: Output): (e: MultimodalEvent) => void {
  const bar = new ProgressBar({ unit: 'samples/s' });
  const startEpoch = (phase: MultimodalPhase, epoch: number, epochs: number, steps: number): void => {
    bar.start(`    ${phaseLabel(phase)} epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`, steps);
  };
  return (e) => {
    if (!out.chatty) return;
    switch (e.type) {
      case 'prepared':
        out.info(`data: ${e.data}`);
        for (const m of e.prepared.modalities) out.info(`  ${m.name} (${m.kind}): ${m.preprocessor.name} preprocessing, ${m.encoder.type} encoder`);
        break;
      case 'seed-start':
        out.info(`seed ${e.seed} (${e.index + 1}/${e.total})`);
        break;
      case 'phase-start':
        out.info(e.phase.kind === 'alone' ? `  alone: ${e.phase.modality}'s encoder and a head, on ${e.phase.modality} only` : `  fused: every modality's encoder, fused by ${e.phase.fusion}`);
        startEpoch(e.phase, 1, e.epochs, e.stepsPerEpoch);
        break;
      case 'step':
        bar.update(e.progress.step, e.progress.samples, `loss ${e.progress.loss.toFixed(3)}`);
        break;
      case 'epoch':
        bar.finish(e.record.samplesPerSecond, `loss ${(e.record.losses.loss ?? Number.NaN).toFixed(3)}`);
        if (e.remainingEpochs > 0) startEpoch(e.phase, e.record.epoch + 1, e.record.epoch + e.remainingEpochs, e.stepsPerEpoch);
        break;
      case 'phase-end':
        out.info(`    test accuracy ${(e.accuracy * 100).toFixed(2)}%`);
        break;
      case 'teaching-start':
        out.info(
          e.method === 'co-training'
            ? '  co-training: most training labels hidden; each modality\'s model labels the others\' most confident samples'
            : e.method === 'alignment'
              ? '  alignment: two towers trained contrastively (matching pairs close, the rest of the batch apart)'
              : '  cross-modal mutual learning: each modality\'s model also matches the others\' predictions',
        );
        break;
      case 'teaching-end':
        break;
    }
  };
}

/** Runs a multimodal config and prints its tables. Returns the exit code. */
export async function runMultimodalCommand(config: MultimodalConfig, out: Output, runDir?: string): Promise<number> {
  const folder = runDir === undefined ? undefined : runFolderAt(runDir);
  const backend = await selectBackend(config.backend);
  out.info(`backend: ${backend.name} (${backend.reason})`);
  const experiment = await runMultimodalExperiment(config, { backend: backend.name, onEvent: progressHandler(out), ...(folder === undefined ? {} : { runDir: folder }) });
  const text = ['', experiment.table, `run folder: ${experiment.runDir}`].join('\n');
  out.result(out.opts.quiet ? experiment.table : text, {
    backend: backend.name,
    runDir: experiment.runDir,
    verdict: experiment.verdict,
    summary: experiment.summary,
    seeds: experiment.result.seeds,
  });
  return 0;
}
