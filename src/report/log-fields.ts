/**
 * The shape of one log call: a human-readable line (peer text inside already quoted with
 * `peerText`) and structured fields for the JSON-lines log. `remote` (address:port of a
 * connection) is the key a per-connection rate limit counts by.
 */
export interface LogFields {
  level?: 'info' | 'warn' | 'error';
  /** A stable name of what happened, e.g. `refused`, `joined`, `round-end`. */
  event?: string;
  /** The peer's address:port, for lines about a connection. */
  remote?: string;
  clientId?: string;
  round?: number;
  [key: string]: string | number | boolean | undefined;
}

/** Where a component logs. */
export type LogFn = (line: string, fields?: LogFields) => void;
