import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, OutputError, UnknownNameError } from '../../errors.js';
import { errorLike, tempDirFactory } from '../../engine/testing.js';
import { activeClientIds, addClient, authenticate, emptyTokenFile, generateToken, hashToken, loadTokenFile, revokeClient, saveTokenFile, type TokenFile } from './tokens.js';

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
