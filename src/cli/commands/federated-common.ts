/** What the federated commands share: logging of coordinator events and clean stops on signals. */
import type { CoordinatorEvent } from '../../federated/server/coordinator.js';
import type { Output } from '../output.js';

/** Logs the coordinator events that are not progress (waiting, refusals, checkpoints, resumes). */
export function federatedLogger(out: Output): (e: CoordinatorEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'waiting':
        out.info(`round ${e.round}: waiting for ${e.needed} clients (${e.available} connected)`);
        break;
      case 'round-refused':
        out.info(`round ${e.round}: not aggregated, the global model is kept: ${e.reason}`);
        break;
      case 'resumed':
        out.info(`resumed from ${e.path}: ${e.round} round(s) already done`);
        break;
      default:
        break;
    }
  };
}

/**
 * An AbortSignal raised by the first SIGINT or SIGTERM: the run stops after checkpointing its
 * last completed round. A second signal exits at once.
 */
export function stopSignal(out: Output): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`jointly: second ${name}, exiting now\n`);
      process.exit(130);
    }
    out.info(`${name}: stopping; the last completed round is checkpointed (send it again to exit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
