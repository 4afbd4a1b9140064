/**
 * `jointly key generate --out <file>`: a client's Ed25519 key pair. The private key goes to
 * `<file>` (PKCS#8 PEM, mode 0600, never overwritten), the public key to `<file>.pub` (SPKI PEM)
 * and is printed: the client's operator hands the .pub file to the server's operator, who
 * registers it with `jointly token add <id> --key <file>.pub`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { OutputError, UsageError, messageOf } from '../../errors.js';
import { generateClientKeys, privateKeyPem, publicKeyPem } from '../../federated/auth/challenge.js';
import type { Output } from '../output.js';

/** Runs `jointly key <action>`; resolves to the exit code. */
export async function keyCommand(args: string[], outPath: string | undefined, out: Output): Promise<number> {
  const [action] = args;
  if (action !== 'generate') throw new UsageError(`jointly key: unknown action '${action ?? ''}'`, 'use generate, e.g. jointly key generate --out client.key');
  if (outPath === undefined) throw new UsageError('jointly key generate needs --out <file> (the private key file)', 'e.g. jointly key generate --out client.key');
  const pubPath = `${outPath}.pub`;
  for (const path of [outPath, pubPath]) {
    if (existsSync(path)) throw new UsageError(`${path} already exists; a key file is never overwritten`, 'choose another --out, or delete the old key first if it is really no longer used');
  }
  const keys = await generateClientKeys();
  const pub = await publicKeyPem(keys.publicKey);
  try {
    // `wx`: created here, never through an existing file or link; 0600 from the start.
    writeFileSync(outPath, await privateKeyPem(keys.privateKey), { mode: 0o600, flag: 'wx' });
    writeFileSync(pubPath, pub, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    throw new OutputError(`cannot write the key files ${outPath} and ${pubPath}: ${messageOf(err)}`, 'check that the folder exists and is writable');
  }
  out.info(`wrote the private key to ${outPath} (mode 0600: keep it on this machine) and the public key to ${pubPath}`);
  out.info(`the server's operator registers it with: jointly token add <client-id> --key ${pubPath} --tokens <file>`);
  out.result(keys.publicKey, { privateKey: outPath, publicKeyFile: pubPath, publicKey: keys.publicKey });
  return 0;
}
