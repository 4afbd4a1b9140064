/** Runs a validated multi-task config from the command line: progress bars, then the multi-task vs single-task table. */
import { selectBackend } from '../../engine/backend.js';
import type { MultitaskConfig } from '../../multitask/config.js';
import { runMultitaskExperiment } from '../../multitask/experiment.js';
import type { MultitaskEvent, MultitaskPhase } from '../../multitask/run-multitask.js';
import type { Output } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { runFolderAt } from './run.js';

function phaseLabel(phase: MultitaskPhase): string {
  return phase.kind === 'multi' ? 'multi-task' : `single ${phase.task}`;
}

function progressHandler(out: Output): (e: MultitaskEvent) => void {
  const bar = new ProgressBar({ unit: 'samples/s' });
  const startEpoch = (phase: MultitaskPhase, epoch: number, epochs: number, steps: number): void => {
    bar.start(`    ${phaseLabel(phase)} epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`, steps);
  };
  return (e) => {
    if (!out.chatty) return;
    switch (e.type) {
      case 'seed-start':
        out.info(`seed ${e.seed} (${e.index + 1}/${e.total}): ${e.data}`);
        break;
      case 'phase-start':
        out.info(e.phase.kind === 'multi' ? `  multi-task: one model learns ${e.tasks.join(', ')} together` : `  single-task: the same architecture with the head of ${e.phase.task} only`);
        startEpoch(e.phase, 1, e.epochs, e.stepsPerEpoch);
        break;
      case 'step':
        bar.update(e.progress.step, e.progress.samples, `loss ${e.progress.loss.toFixed(3)}`);
        break;
      case 'epoch': {
        const val =
          e.validation === undefined
            ? ''
            : `  val ${Object.entries(e.validation)
                .map(([task, m]) => {
                  const [metric, value] = Object.entries(m)[0] ?? ['', Number.NaN];
                  return `${task} ${metric === 'accuracy' || metric === 'macroF1' || metric === 'auc' ? `${(value * 100).toFixed(1)}%` : value.toFixed(3)}`;
                })
                .join(', ')}`;
        const losses = Object.entries(e.taskLosses)
          .map(([, v]) => v.toFixed(3))
          .join('/');
        bar.finish(e.record.samplesPerSecond, `loss ${losses}${val}`);
        if (e.remainingEpochs > 0) startEpoch(e.phase, e.record.epoch + 1, e.record.epoch + e.remainingEpochs, e.stepsPerEpoch);
        break;
      }
      case 'phase-end':
        break;
    }
  };
}

/** Runs a multi-task config and prints its table. Returns the exit code. */
export async function runMultitaskCommand(config: MultitaskConfig, out: Output, runDir?: string): Promise<number> {
  const folder = runDir === undefined ? undefined : runFolderAt(runDir);
  const backend = await selectBackend(config.backend);
  out.info(`backend: ${backend.name} (${backend.reason})`);
  const experiment = await runMultitaskExperiment(config, { backend: backend.name, onEvent: progressHandler(out), ...(folder === undefined ? {} : { runDir: folder }) });
  // The table ends with the verdict.
  const text = ['', experiment.table, `run folder: ${experiment.runDir}`].join('\n');
  out.result(out.opts.quiet ? experiment.table : text, {
    backend: backend.name,
    runDir: experiment.runDir,
    verdict: experiment.verdict,
    comparison: experiment.comparison,
    seeds: experiment.result.seeds,
  });
  return 0;
}
