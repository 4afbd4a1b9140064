/**
 * `jointly token add|revoke|list <id> --tokens <file>`: the operator's side of client
 * authentication. The file keeps only SHA-256 hashes; `add` prints the new token once.
 */
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { addClient, emptyTokenFile, loadTokenFile, revokeClient, saveTokenFile } from '../../federated/auth/tokens.js';
import type { Output } from '../output.js';

export async function tokenCommand(args: string[], tokensPath: string | undefined, out: Output): Promise<number> {
  const [action, id] = args;
  if (tokensPath === undefined) throw new UsageError('jointly token needs --tokens <file>', 'e.g. jointly token add hospital-a --tokens tokens.json');
  switch (action) {
    case 'add': {
      if (id === undefined) throw new UsageError('jointly token add needs a client id', 'e.g. jointly token add hospital-a --tokens tokens.json');
      const file = existsSync(tokensPath) ? loadTokenFile(tokensPath) : emptyTokenFile();
      const added = addClient(file, id);
      saveTokenFile(tokensPath, added.file);
      out.info(`registered client '${id}' in ${tokensPath}; give it this token (it is not stored, only its hash):`);
      out.result(added.token, { id, token: added.token, tokens: tokensPath });
      return 0;
    }
    case 'revoke': {
      if (id === undefined) throw new UsageError('jointly token revoke needs a client id');
      saveTokenFile(tokensPath, revokeClient(loadTokenFile(tokensPath), id));
      out.result(`revoked client '${id}': the server refuses it from its next connection`, { id, revoked: true });
      return 0;
    }
    case 'list': {
      const file = loadTokenFile(tokensPath);
      const lines = file.clients.map((c) => `${c.id}${c.revoked ? '  (revoked)' : ''}${c.note === undefined ? '' : `  ${c.note}`}`);
      out.result(lines.length === 0 ? '(no clients registered)' : lines.join('\n'), file.clients.map((c) => ({ id: c.id, revoked: c.revoked })));
      return 0;
    }
    default:
      throw new UsageError(`jointly token: unknown action '${action ?? ''}'`, 'use add, revoke or list');
  }
}
