/**
 * The shape of a federated client id, shared by the token file and the wire protocol. Pure (no
 * Node APIs), so the protocol stays usable in browsers.
 */
import { z } from 'zod';

/**
 * A client id: 1 to 128 characters from `A-Z a-z 0-9 . _ -`, starting with a letter or digit
 * (e.g. `hospital-a`). Ids appear in logs, file names and reports, so they are kept plain.
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Zod schema of a client id, with a message that states the rule. */
export const clientIdSchema = z
  .string()
  .regex(CLIENT_ID_PATTERN, 'a client id is 1 to 128 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit');
