/**
 * `jointly token add|revoke|list <id> --tokens <file>`: the operator's side of client
 * authentication. The file keeps only SHA-256 hashes of tokens and public keys; `add` prints
 * the new token once. `add <id> --key <file.pub>` registers the client's Ed25519 public key
 * instead (no token is issued), or as well with `--with-token` (then both are required).
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, UsageError, messageOf } from '../../errors.js';
import { parsePublicKey } from '../../federated/auth/challenge.js';
import { addClient, addKeyClient, emptyTokenFile, loadTokenFile, revokeClient, saveTokenFile } from '../../federated/auth/tokens.js';
import type { Output } from '../output.js';

/** Options of `jointly token` besides the token file. */
export interface TokenCommandOptions {
  /** `add`: the client's public key file (SPKI PEM, or 43 base64url characters). */
  key?: string;
  /** `add --key`: also issue a token (the client then needs both). */
  withToken?: boolean;
}

/** Runs `jointly token <action> [id]`; resolves to the exit code. */
export async function tokenCommand(args: string[], tokensPath: string | undefined, out: Output, opts: TokenCommandOptions = {}): Promise<number> {
  const [action, id] = args;
  if (tokensPath === undefined) throw new UsageError('jointly token needs --tokens <file>', 'e.g. jointly token add hospital-a --tokens tokens.json');
  switch (action) {
    case 'add': {
      if (id === undefined) throw new UsageError('jointly token add needs a client id', 'e.g. jointly token add hospital-a --tokens tokens.json');
      const file = existsSync(tokensPath) ? loadTokenFile(tokensPath) : emptyTokenFile();
      if (opts.key !== undefined) {
        let text: string;
        try {
          text = readFileSync(opts.key, 'utf8');
        } catch (err) {
          throw new ConfigError('', `cannot read the public key file ${opts.key}: ${messageOf(err)}`, 'give the .pub file the client made with jointly key generate');
        }
        const publicKey = await parsePublicKey(text, opts.key);
        const added = addKeyClient(file, id, publicKey, { withToken: opts.withToken === true });
        saveTokenFile(tokensPath, added.file);
        if (added.token === undefined) {
          out.result(`registered client '${id}' in ${tokensPath} by its public key ${publicKey}: it joins with its private key (keyFile, or --key)`, { id, publicKey, tokens: tokensPath });
        } else {
          out.info(`registered client '${id}' in ${tokensPath} by its public key ${publicKey}; it needs this token as well (it is not stored, only its hash):`);
          out.result(added.token, { id, publicKey, token: added.token, tokens: tokensPath });
        }
        return 0;
      }
      if (opts.withToken === true) throw new UsageError('--with-token goes with --key (a client registered without a key always gets a token)');
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
      const how = (c: (typeof file.clients)[number]): string => [c.sha256 === undefined ? '' : 'token', c.publicKey === undefined ? '' : `key ${c.publicKey}`].filter((x) => x !== '').join(' + ');
      const lines = file.clients.map((c) => `${c.id}  ${how(c)}${c.revoked ? '  (revoked)' : ''}${c.note === undefined ? '' : `  ${c.note}`}`);
      out.result(
        lines.length === 0 ? '(no clients registered)' : lines.join('\n'),
        file.clients.map((c) => ({ id: c.id, revoked: c.revoked, token: c.sha256 !== undefined, ...(c.publicKey === undefined ? {} : { publicKey: c.publicKey }) })),
      );
      return 0;
    }
    default:
      throw new UsageError(`jointly token: unknown action '${action ?? ''}'`, 'use add, revoke or list');
  }
}
