/**
 * The per-client bookkeeping of a federated run: what one round adds to each client's record
 * (sampled, aggregated, failed, the last failure). The coordinator counts every round with it,
 * and a resumed checkpoint's client records are checked against its history with it.
 */
import type { ClientRecord, RoundRecord } from './coordinator.js';

/** Adds `record` to `clients` (by client id, created at zero when new). */
export function countRound(clients: Record<string, ClientRecord>, record: RoundRecord): void {
  const get = (id: string): ClientRecord => {
    // Own properties only: a client id such as `__proto__` or `constructor` is a plain key.
    if (!Object.hasOwn(clients, id)) Object.defineProperty(clients, id, { value: { sampled: 0, replied: 0, failures: 0 }, enumerable: true, writable: true, configurable: true });
    return clients[id];
  };
  for (const id of record.sampled) get(id).sampled++;
  for (const id of record.replied) get(id).replied++;
  for (const f of record.failures) {
    const c = get(f.clientId);
    c.failures++;
    c.lastFailure = f.reason;
  }
}
