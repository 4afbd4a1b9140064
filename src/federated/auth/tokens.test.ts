import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, OutputError, UnknownNameError } from '../../errors.js';
import { errorLike, tempDirFactory } from '../../engine/testing.js';
import { activeClientIds, addClient, addKeyClient, authenticate, checkProof, emptyTokenFile, generateToken, hashToken, loadTokenFile, parseTokenFile, requirementsOf, revokeClient, saveTokenFile, type TokenFile } from './tokens.js';

const tempDir = tempDirFactory('jointly-tokens-');

function twoClients(): { file: TokenFile; tokenA: string; tokenB: string } {
  const a = addClient(emptyTokenFile(), 'hospital-a', { note: 'issued 2024-11-28' });
  const b = addClient(a.file, 'hospital-b');
  return { file: b.file, tokenA: a.token, tokenB: b.token };
}

describe('generateToken / hashToken', () => {
  it('makes distinct 32-byte base64url tokens', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateToken()));

    assert.equal(tokens.size, 50);
    for (const t of tokens) {
      assert.match(t, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(t, 'base64url').length, 32);
    }
  });

  it('hashes with SHA-256 in lowercase hex', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('activeClientIds', () => {
  it('lists the registered clients that are not revoked, in file order', () => {
    const { file } = twoClients();
    const three = addClient(file, 'hospital-c').file;

    assert.deepEqual(activeClientIds(three), ['hospital-a', 'hospital-b', 'hospital-c']);
    assert.deepEqual(activeClientIds(revokeClient(three, 'hospital-b')), ['hospital-a', 'hospital-c']);
    assert.deepEqual(activeClientIds(emptyTokenFile()), []);
  });
});

describe('addClient / revokeClient / authenticate', () => {
  it('authenticates each client with its own token and stores only hashes', () => {
    const { file, tokenA, tokenB } = twoClients();

    assert.deepEqual(authenticate(file, 'hospital-a', tokenA), { ok: true });
    assert.deepEqual(authenticate(file, 'hospital-b', tokenB), { ok: true });
    assert.equal(file.clients[0].sha256, hashToken(tokenA));
    assert.equal(file.clients[0].note, 'issued 2024-11-28');
    assert.ok(!JSON.stringify(file).includes(tokenA));
  });

  it('tells unknown, revoked and wrong-token clients apart without echoing the token', () => {
    const { file, tokenA, tokenB } = twoClients();
    const revoked = revokeClient(file, 'hospital-b');

    const unknown = authenticate(file, 'hospital-z', tokenA);
    const wrong = authenticate(file, 'hospital-a', tokenB);
    const gone = authenticate(revoked, 'hospital-b', tokenB);

    assert.deepEqual(unknown, { ok: false, code: 'unknownClient', reason: "unknown client 'hospital-z': it is not in the token file" });
    assert.deepEqual(wrong, { ok: false, code: 'wrongToken', reason: "wrong token for client 'hospital-a'" });
    assert.deepEqual(gone, { ok: false, code: 'revokedClient', reason: "client 'hospital-b' has been revoked" });
    for (const r of [unknown, wrong, gone]) assert.ok(!JSON.stringify(r).includes(tokenA) && !JSON.stringify(r).includes(tokenB));
  });

  it('does not modify its input file', () => {
    const { file } = twoClients();
    const before = JSON.stringify(file);

    revokeClient(file, 'hospital-a');
    addClient(file, 'hospital-c');

    assert.equal(JSON.stringify(file), before);
  });

  it('refuses a duplicate or invalid id, and revoking an unknown one', () => {
    const { file } = twoClients();
    const revoked = revokeClient(file, 'hospital-a');

    assert.throws(() => addClient(file, 'hospital-a'), errorLike(ConfigError, /client 'hospital-a' is already registered/));
    assert.throws(() => addClient(revoked, 'hospital-a'), errorLike(ConfigError, /already registered/));
    assert.throws(() => addClient(file, 'bad id!'), errorLike(ConfigError, /^id: 'bad id!'/));
    assert.throws(() => revokeClient(file, 'nobody'), errorLike(UnknownNameError, /unknown client 'nobody'/));
  });

  it('compares hashes with crypto.timingSafeEqual, also for unknown clients', (t) => {
    const { file, tokenA } = twoClients();
    const spy = t.mock.method(crypto, 'timingSafeEqual');

    authenticate(file, 'hospital-a', tokenA);
    authenticate(file, 'hospital-a', 'wrong');
    authenticate(file, 'nobody', 'wrong');

    assert.equal(spy.mock.callCount(), 3);
    for (const call of spy.mock.calls) {
      const [x, y] = call.arguments as [Buffer, Buffer];
      assert.equal(x.length, 32);
      assert.equal(y.length, 32);
    }
  });
});

describe('saveTokenFile / loadTokenFile', () => {
  it('round-trips a file, with mode 0600 and no temporary file left', () => {
    const dir = tempDir();
    const path = join(dir, 'tokens.json');
    const { file, tokenA } = twoClients();

    saveTokenFile(path, revokeClient(file, 'hospital-b'));
    const loaded = loadTokenFile(path);

    assert.deepEqual(loaded, revokeClient(file, 'hospital-b'));
    assert.deepEqual(authenticate(loaded, 'hospital-a', tokenA), { ok: true });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['tokens.json']);
  });

  it('replaces an existing file atomically', () => {
    const path = join(tempDir(), 'tokens.json');
    writeFileSync(path, 'old', { mode: 0o644 });

    saveTokenFile(path, emptyTokenFile());

    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, clients: [] });
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('refuses to save an invalid file, and reports an unwritable path', () => {
    const bad = { version: 1, clients: [{ id: 'a', sha256: 'nothex', revoked: false }] } as TokenFile;

    assert.throws(() => saveTokenFile(join(tempDir(), 't.json'), bad), errorLike(ConfigError, /clients\[0\]\.sha256/));
    assert.throws(() => saveTokenFile(join(tempDir(), 'missing-dir', 't.json'), emptyTokenFile()), errorLike(OutputError, /cannot write token file/));
  });

  it('refuses bad files with a ConfigError naming the field', () => {
    const dir = tempDir();
    const write = (name: string, content: string): string => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    };
    const hash = hashToken('x');
    const client = (id: string) => ({ id, sha256: hash, revoked: false });

    assert.throws(() => loadTokenFile(join(dir, 'absent.json')), errorLike(ConfigError, /does not exist/));
    assert.throws(() => loadTokenFile(write('a.json', '{ nope')), errorLike(ConfigError, /is not valid JSON/));
    assert.throws(() => loadTokenFile(write('b.json', JSON.stringify({ version: 2, clients: [] }))), errorLike(ConfigError, /^version:/));
    assert.throws(() => loadTokenFile(write('c.json', JSON.stringify({ version: 1, clients: [{ ...client('a'), revoked: 'no' }] }))), errorLike(ConfigError, /^clients\[0\]\.revoked:/));
    assert.throws(() => loadTokenFile(write('d.json', JSON.stringify({ version: 1, clients: [{ ...client('a'), sha256: hash.toUpperCase() }] }))), errorLike(ConfigError, /^clients\[0\]\.sha256: must be 64 lowercase hex digits/));
    assert.throws(() => loadTokenFile(write('e.json', JSON.stringify({ version: 1, clients: [client('a'), client('b'), client('a')] }))), errorLike(ConfigError, /^clients\[2\]\.id: duplicate client id 'a' \(also clients\[0\]\)/));
    assert.throws(() => loadTokenFile(write('f.json', JSON.stringify({ version: 1, clients: [{ ...client('a'), token: 'plain' }] }))), errorLike(ConfigError, /^clients\[0\]: unknown field\(s\) "token"/));
  });
});

describe('key clients: addKeyClient / requirementsOf / checkProof', () => {
  const KEY = 'A'.repeat(43);
  const OTHER = 'B'.repeat(43);

  it('registers a key-only client and one with key and token, and loads old token-only files unchanged', () => {
    const base = addClient(emptyTokenFile(), 'tok').file;

    const keyOnly = addKeyClient(base, 'key', KEY);
    const both = addKeyClient(keyOnly.file, 'both', OTHER, { withToken: true });

    assert.equal(keyOnly.token, undefined);
    assert.match(both.token ?? '', /^[A-Za-z0-9_-]{43}$/);
    const file = parseTokenFile(JSON.parse(JSON.stringify(both.file)));
    assert.deepEqual(file.clients.map((c) => [c.id, c.sha256 !== undefined, c.publicKey]), [['tok', true, undefined], ['key', false, KEY], ['both', true, OTHER]]);
    assert.deepEqual(requirementsOf(file, 'key'), { token: false, publicKey: KEY });
    assert.deepEqual(requirementsOf(file, 'both'), { token: true, publicKey: OTHER });
    assert.deepEqual(requirementsOf(file, 'tok'), { token: true });
    assert.equal(requirementsOf(file, 'nobody'), undefined);
  });

  it('refuses an entry with neither sha256 nor publicKey, a malformed key, and a taken id', () => {
    assert.throws(() => parseTokenFile({ version: 1, clients: [{ id: 'a', revoked: false }] }), (e: unknown) => e instanceof ConfigError && /clients\[0\]\.sha256: needs sha256 \(a token\), publicKey \(a key\), or both/.test(e.message));
    assert.throws(() => parseTokenFile({ version: 1, clients: [{ id: 'a', publicKey: 'short', revoked: false }] }), (e: unknown) => e instanceof ConfigError && /publicKey: must be 43 base64url/.test(e.message));
    assert.throws(() => addKeyClient(emptyTokenFile(), 'a', 'bad'), ConfigError);
    const file = addKeyClient(emptyTokenFile(), 'a', KEY).file;
    assert.throws(() => addKeyClient(file, 'a', OTHER), /already registered/);
  });

  it('requires what the entry holds: the key proven, the token when it has one, none when it has none', () => {
    let file = addKeyClient(emptyTokenFile(), 'key', KEY).file;
    const both = addKeyClient(file, 'both', OTHER, { withToken: true });
    file = both.file;
    const token = both.token ?? '';

    assert.deepEqual(checkProof(file, 'key', { publicKey: KEY }), { ok: true });
    assert.deepEqual(checkProof(file, 'both', { publicKey: OTHER, token }), { ok: true });
    const fails = (id: string, proof: { token?: string; publicKey?: string }): string => {
      const r = checkProof(file, id, proof);
      assert.equal(r.ok, false);
      return r.ok ? '' : r.code;
    };
    assert.equal(fails('key', {}), 'wrongKey');
    assert.equal(fails('key', { publicKey: OTHER }), 'wrongKey');
    assert.equal(fails('key', { publicKey: KEY, token: 'x' }), 'unexpectedToken');
    assert.equal(fails('both', { publicKey: OTHER }), 'missingToken');
    assert.equal(fails('both', { publicKey: OTHER, token: 'wrong' }), 'wrongToken');
    assert.equal(fails('both', { token }), 'wrongKey');
    assert.equal(fails('nobody', { publicKey: KEY }), 'unknownClient');
    assert.equal(fails('key', {}), 'wrongKey');
    assert.equal(checkProof(revokeClient(file, 'key'), 'key', { publicKey: KEY }).ok, false);
  });

  it('keeps token-only clients working through checkProof as through authenticate', () => {
    const added = addClient(emptyTokenFile(), 'tok');

    assert.deepEqual(checkProof(added.file, 'tok', { token: added.token }), { ok: true });
    assert.equal(checkProof(added.file, 'tok', {}).ok, false);
    assert.equal(checkProof(added.file, 'tok', { token: 'nope' }).ok, false);
  });
});
