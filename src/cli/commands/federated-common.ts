/** What the federated commands share: logging of coordinator events and clean stops on signals. */
import type { CoordinatorEvent, RoundRecord } from '../../federated/server/coordinator.js';
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
      case 'stopped':
        out.info(`stopped before round ${e.round}: ${e.reason}`);
        break;
      default:
        break;
    }
  };
}

/** `ε 1.234 (δ 1e-5)` of a differentially private round (DP-FedAvg's metrics), or '' for a round without privacy. */
export function epsilonText(record: RoundRecord): string {
  const { epsilon, delta } = record.aggregate;
  if (epsilon === undefined || delta === undefined) return '';
  return `ε ${Number.isFinite(epsilon) ? epsilon.toPrecision(4) : '∞'} (δ ${delta})`;
}

/** What the server and the simulation do on a stop signal. */
export const CHECKPOINTED_STOP = 'stopping; the last completed round is checkpointed';
/** What a client does on a stop signal: it keeps no checkpoint, the run goes on without it. */
export const CLIENT_STOP = 'leaving the federation: the client says goodbye to the server, which goes on without it (a client keeps no checkpoint; start it again to rejoin)';

/**
 * An AbortSignal raised by the first SIGINT or SIGTERM; `stopping` says what happens then (the
 * server and the simulation checkpoint their last completed round, a client just leaves). A
 * second signal exits at once.
 */
export function stopSignal(out: Output, stopping: string = CHECKPOINTED_STOP): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`jointly: second ${name}, exiting now\n`);
      process.exit(130);
    }
    out.info(`${name}: ${stopping} (send it again to exit at once)`);
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
