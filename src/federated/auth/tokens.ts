/**
 * Per-client tokens. The operator issues each client a random token and keeps only its SHA-256
 * in a token file; the server authenticates a `hello` against that file before sending anything.
 *
 * Token file format (JSON, UTF-8, mode 0600):
 *
 * ```json
 * {
 *   "version": 1,
 *   "clients": [
 *     { "id": "hospital-a", "sha256": "<64 lowercase hex digits: sha256 of the token's UTF-8 bytes>", "revoked": false, "note": "optional free text" },
 *     { "id": "hospital-b", "publicKey": "<43 base64url characters: the raw Ed25519 public key>", "revoked": false }
 *   ]
 * }
 * ```
 *
 * - `version`: always 1.
 * - `clients[].id`: the client id (1 to 128 characters from `A-Z a-z 0-9 . _ -`, starting with a
 *   letter or digit), unique in the file.
 * - `clients[].sha256`: hex SHA-256 of the token. Tokens are 256-bit random strings, so a plain
 *   hash is enough (no slow password hash is needed); the token itself is never stored.
 * - `clients[].publicKey`: the client's Ed25519 public key (raw 32 bytes, base64url): the client
 *   proves it holds the private key by signing the server's challenge (`challenge.ts`).
 *   Each client has `sha256`, `publicKey`, or both; with both, both are required. Files written
 *   before keys existed (tokens only) load unchanged.
 * - `clients[].revoked`: true refuses the client (kept in the file so the id is not reissued by accident).
 * - `clients[].note`: optional, for the operator (who, when, where).
 *
 * Unknown fields are refused. Node-only (node:crypto, node:fs).
 */
// The default import (not named imports), so that tests can observe crypto.timingSafeEqual.
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, UnknownNameError, messageOf } from '../../errors.js';
import { writeFileAtomic } from '../../report/durable-file.js';
import { PUBLIC_KEY_PATTERN } from './challenge.js';
import { clientIdSchema } from './client-id.js';

/** One client in a token file. */
export interface TokenClient {
  /** The client id the token was issued for. */
  id: string;
  /** Hex SHA-256 of the token (64 lowercase hex digits); absent for a client that authenticates by key only. */
  sha256?: string;
  /** The client's Ed25519 public key (raw 32 bytes, base64url); absent for a client that authenticates by token only. */
  publicKey?: string;
  /** A revoked client is refused. */
  revoked: boolean;
  /** Free text for the operator. */
  note?: string;
}

/** The contents of a token file. */
export interface TokenFile {
  /** Format version; always 1. */
  version: 1;
  /** The registered clients, ids unique. */
  clients: TokenClient[];
}

/** Why authentication failed. */
export type AuthFailureCode = 'unknownClient' | 'revokedClient' | 'wrongToken' | 'missingToken' | 'unexpectedToken' | 'wrongKey';

/** The outcome of `authenticate`. The reason never contains the token. */
export type AuthResult = { ok: true } | { ok: false; code: AuthFailureCode; reason: string };

const tokenFileSchema = z.strictObject({
  version: z.literal(1),
  clients: z.array(
    z.strictObject({
      id: clientIdSchema,
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (the SHA-256 of the token)').optional(),
      publicKey: z.string().regex(PUBLIC_KEY_PATTERN, 'must be 43 base64url characters (the raw Ed25519 public key)').optional(),
      revoked: z.boolean(),
      note: z.string().max(1024).optional(),
    }).refine((c) => c.sha256 !== undefined || c.publicKey !== undefined, { message: 'needs sha256 (a token), publicKey (a key), or both', path: ['sha256'] }),
  ),
});

const HINT = 'fix the token file, or recreate it with the jointly tokens commands';

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, key) => (typeof key === 'number' ? `${s}[${key}]` : s === '' ? String(key) : `${s}.${String(key)}`), '');
}

/** Validates a parsed token file; ConfigError naming the first bad field. Duplicate ids are refused. */
export function parseTokenFile(raw: unknown, source = 'token file'): TokenFile {
  const parsed = tokenFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    throw new ConfigError(pathOf(issue.path) || '(token file)', `${message} (in ${source})`, HINT);
  }
  const seen = new Map<string, number>();
  parsed.data.clients.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) throw new ConfigError(`clients[${i}].id`, `duplicate client id '${c.id}' (also clients[${first}]) (in ${source})`, HINT);
    seen.set(c.id, i);
  });
  return parsed.data;
}

/** A new token: 32 random bytes, base64url (43 characters). Show it to the operator once; store only its hash. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Hex SHA-256 of a token's UTF-8 bytes. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** An empty token file. */
export function emptyTokenFile(): TokenFile {
  return { version: 1, clients: [] };
}

/** Reads and validates a token file. ConfigError if it is missing, not JSON, or invalid (naming the field). */
export function loadTokenFile(path: string): TokenFile {
  if (!existsSync(path)) throw new ConfigError('', `token file ${path} does not exist`, 'create it with the jointly tokens commands, or check the path');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError('', `token file ${path} is not valid JSON: ${messageOf(err)}`, HINT);
  }
  return parseTokenFile(raw, path);
}

/**
 * Writes a token file atomically and durably: validates it, writes a temporary file next to
 * `path` (created exclusively, `wx`, with mode 0600), every byte, fsync, then renames it over
 * `path` and fsyncs the folder, so readers never see a partial file. OutputError on failure,
 * naming the token file; the previous file is then kept.
 */
export function saveTokenFile(path: string, file: TokenFile): void {
  const valid = parseTokenFile(file, 'the token file to save');
  writeFileAtomic(path, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600, what: 'token file', retry: 'run the tokens command again' });
}

/**
 * Registers a new client and issues its token. Returns a new file (the input is not modified)
 * and the token, which exists nowhere else: hand it to the client's operator. Refuses an invalid
 * or already registered id (revoked ones included) with a ConfigError.
 */
export function addClient(file: TokenFile, id: string, options: { note?: string } = {}): { file: TokenFile; token: string } {
  const checked = clientIdSchema.safeParse(id);
  if (!checked.success) throw new ConfigError('id', `'${id}': ${checked.error.issues[0].message}`);
  if (file.clients.some((c) => c.id === id)) {
    throw new ConfigError('id', `client '${id}' is already registered`, 'choose another id; an id stays taken after revocation so that old tokens cannot be confused with new ones');
  }
  const token = generateToken();
  const client: TokenClient = { id, sha256: hashToken(token), revoked: false };
  if (options.note !== undefined) client.note = options.note;
  return { file: { version: 1, clients: [...file.clients, client] }, token };
}

/**
 * Registers a new client by its Ed25519 public key (raw base64url, see `parsePublicKey`); with
 * `withToken` it also gets a token, and then needs both. Returns a new file and the token (when
 * issued). Refuses an invalid or already registered id, or a malformed key, with a ConfigError.
 */
export function addKeyClient(file: TokenFile, id: string, publicKey: string, options: { note?: string; withToken?: boolean } = {}): { file: TokenFile; token?: string } {
  const checked = clientIdSchema.safeParse(id);
  if (!checked.success) throw new ConfigError('id', `'${id}': ${checked.error.issues[0].message}`);
  if (!PUBLIC_KEY_PATTERN.test(publicKey)) throw new ConfigError('publicKey', 'must be 43 base64url characters (the raw Ed25519 public key)');
  if (file.clients.some((c) => c.id === id)) {
    throw new ConfigError('id', `client '${id}' is already registered`, 'choose another id; an id stays taken after revocation so that old credentials cannot be confused with new ones');
  }
  const token = options.withToken === true ? generateToken() : undefined;
  const client: TokenClient = { id, ...(token === undefined ? {} : { sha256: hashToken(token) }), publicKey, revoked: false };
  if (options.note !== undefined) client.note = options.note;
  return { file: { version: 1, clients: [...file.clients, client] }, ...(token === undefined ? {} : { token }) };
}

/** Marks a client revoked; returns a new file. UnknownNameError if the id is not registered. Idempotent. */
export function revokeClient(file: TokenFile, id: string): TokenFile {
  if (!file.clients.some((c) => c.id === id)) throw new UnknownNameError('client', id, file.clients.map((c) => c.id));
  return { version: 1, clients: file.clients.map((c) => (c.id === id ? { ...c, revoked: true } : c)) };
}

/**
 * The ids of the clients registered and not revoked, in file order: the federation's clients
 * (SCAFFOLD's N), the same before and after a server restart.
 */
export function activeClientIds(file: TokenFile): string[] {
  return file.clients.filter((c) => !c.revoked).map((c) => c.id);
}

/** A fixed hash compared against when the client is unknown, so both paths do the same work. */
const DUMMY_HASH = Buffer.alloc(32);

/**
 * Checks a client's id and token against the file. The token's hash is compared with
 * crypto.timingSafeEqual (both sides are 32-byte digests, so lengths never differ). The failure
 * reason says whether the client is unknown, revoked, or presented a wrong token, and never
 * echoes the token.
 */
export function authenticate(file: TokenFile, clientId: string, token: string): AuthResult {
  const presented = crypto.createHash('sha256').update(String(token), 'utf8').digest();
  const client = file.clients.find((c) => c.id === clientId);
  const stored = client?.sha256 === undefined ? DUMMY_HASH : Buffer.from(client.sha256, 'hex');
  const match = stored.length === presented.length && crypto.timingSafeEqual(stored, presented);
  if (client === undefined) return { ok: false, code: 'unknownClient', reason: `unknown client '${clientId}': it is not in the token file` };
  if (client.revoked) return { ok: false, code: 'revokedClient', reason: `client '${clientId}' has been revoked` };
  if (client.sha256 === undefined) return { ok: false, code: 'unexpectedToken', reason: `client '${clientId}' is registered with a key only, and presented a token instead` };
  if (!match) return { ok: false, code: 'wrongToken', reason: `wrong token for client '${clientId}'` };
  return { ok: true };
}

/** What a client must prove, by the token file: a token, a key signature, or both. */
export interface Requirements {
  /** The client's registered public key, when it must sign a challenge. */
  publicKey?: string;
  /** Whether it must present a token. */
  token: boolean;
}

/** What a connection proved (kept in memory, to re-check it when the token file changes). */
export interface Proof {
  /** The token it presented, if any. */
  token?: string;
  /** The public key whose challenge it signed, if any. */
  publicKey?: string;
}

/**
 * The credentials `clientId` needs by `file`: undefined for an unknown client. A revoked client
 * still has its requirements (the refusal comes from {@link checkProof}).
 */
export function requirementsOf(file: TokenFile, clientId: string): Requirements | undefined {
  const c = file.clients.find((x) => x.id === clientId);
  if (c === undefined) return undefined;
  return { token: c.sha256 !== undefined, ...(c.publicKey === undefined ? {} : { publicKey: c.publicKey }) };
}

/**
 * Checks what a connection proved against the file: the client is registered and not revoked,
 * presented its token when it has one (and none when it has none), and signed with the key the
 * file holds now when it has one (a proven key must be the key still registered: a replaced key
 * cuts the connection). Tokens are compared as in {@link authenticate}.
 */
export function checkProof(file: TokenFile, clientId: string, proof: Proof): AuthResult {
  const c = file.clients.find((x) => x.id === clientId);
  if (c === undefined || c.revoked || proof.token !== undefined) {
    const auth = authenticate(file, clientId, proof.token ?? '');
    if (!auth.ok) return auth;
  } else if (c.sha256 !== undefined) {
    return { ok: false, code: 'missingToken', reason: `client '${clientId}' must present its token as well as its key signature` };
  }
  if (c?.publicKey !== undefined && c.publicKey !== proof.publicKey) {
    return { ok: false, code: 'wrongKey', reason: proof.publicKey === undefined ? `client '${clientId}' must sign the challenge with its registered key` : `client '${clientId}' signed with a key that is no longer registered` };
  }
  return { ok: true };
}
