/** `jointly client <config>`: one party of a networked federated run. */
import { selectBackend } from '../../engine/backend.js';
import { runClient, type ClientRunConfig } from '../../federated/network/run-client.js';
import type { Output } from '../output.js';
import { packageVersion } from './info.js';
import { CLIENT_STOP, stopSignal } from './federated-common.js';

export async function clientCommand(config: ClientRunConfig, opts: { token?: string }, out: Output): Promise<number> {
  const backend = await selectBackend(config.backend);
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} [${config.id}] ${line}\n`);
  };
  log(`backend: ${backend.name} (${backend.reason})`);
  const stop = stopSignal(out, CLIENT_STOP);
  try {
    const exit = await runClient({ config, token: opts.token ?? process.env.JOINTLY_TOKEN, backend: backend.name, jointlyVersion: packageVersion(), signal: stop.signal, log });
    if (exit.reason === 'stopped') {
      log('stopped');
      return 130;
    }
    out.result(`client ${config.id}: ${exit.message}`, { client: config.id, finished: exit.message });
    return 0;
  } finally {
    stop.dispose();
  }
}
