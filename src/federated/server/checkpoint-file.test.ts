/**
 * The checkpoint file: exact round trips, durable writes (short writes and ENOSPC injected through
 * the file layer's seam), and a CheckpointError (never a crash or a silently wrong checkpoint) for
 * every kind of damage: every byte and bit flipped in turn, crafted headers whose digest is
 * right, and the older JLYCKPT1 format.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CheckpointError, OutputError } from '../../errors.js';
import { errorLike, randomValues, tempDirFactory } from '../../engine/testing.js';
import { withFileSystem } from '../../report/durable-file.js';
import { faultyFileSystem } from '../../report/testing.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointFile, writeCheckpointFile, type CheckpointContents } from './checkpoint-file.js';

const tempDir = tempDirFactory('jointly-ckpt-');

interface Meta {
  round: number;
  name: string;
  nested: { list: number[]; flag: boolean };
}

const META: Meta = { round: 7, name: 'run-ü', nested: { list: [1, 2.5, -3], flag: true } };

/** Vectors with awkward values (signed zero, subnormal, extremes, NaN, ±Infinity) and empty ones. */
function sampleVectors(): Record<string, Float32Array> {
  const special = Float32Array.from([0, -0, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, Number.NaN, Infinity, -Infinity, 1 / 3]);
  return {
    params: randomValues(1001, 1),
    empty: new Float32Array(0),
    'strategy/m': randomValues(3, 2),
    special,
    'pool/control/client-1': new Float32Array(0),
    last: randomValues(17, 3),
  };
}

/** A checkpoint small enough to flip every bit of. */
function smallContents(): CheckpointContents<{ round: number; history: { round: number; loss: number }[] }> {
  return { meta: { round: 2, history: [{ round: 1, loss: 0.5 }, { round: 2, loss: Number.NaN }] }, vectors: { params: randomValues(5, 11), 'strategy/m': randomValues(2, 12) } };
}

/** The raw bits of a vector, so NaN and -0 compare exactly. */
function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function assertSameVectors(actual: Record<string, Float32Array>, expected: Record<string, Float32Array>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, v] of Object.entries(expected)) {
    assert.ok(actual[name] instanceof Float32Array, `${name} is a Float32Array`);
    assert.deepEqual(bits(actual[name]), bits(v), `${name} bit-exact`);
  }
}

function headerLengthOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
}

/** Offset of the payload in an encoded checkpoint. */
function payloadStart(bytes: Uint8Array): number {
  return (8 + 4 + headerLengthOf(bytes) + 3) & ~3;
}

/** Recomputes the JLYCKPT2 digest trailer: what a bug or a forger who knows the format could do. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}

/** A JLYCKPT2 file with any header text, any header length field and any payload, with a correct digest. */
function craft(header: string | Uint8Array, opts: { payload?: Uint8Array; headerLength?: number; padding?: number } = {}): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const payload = opts.payload ?? new Uint8Array(0);
  const start = (12 + h.length + 3) & ~3;
  const out = new Uint8Array(start + payload.length + 32);
  out.set(new TextEncoder().encode('JLYCKPT2'));
  new DataView(out.buffer).setUint32(8, opts.headerLength ?? h.length, true);
  out.set(h, 12);
  out.fill(opts.padding ?? 0, 12 + h.length, start);
  out.set(payload, start);
  return reseal(out);
}

/** The older format, exactly as the former encoder wrote it: the SHA-256 of the payload alone, in the header. */
function encodeV1(contents: CheckpointContents<unknown>): Uint8Array {
  const entries = Object.entries(contents.vectors);
  let offset = 0;
  const table = entries.map(([name, v]) => {
    const e = { name, offset, length: v.length };
    offset += v.length;
    return e;
  });
  const payload = new Float32Array(offset);
  entries.forEach(([, v], i) => payload.set(v, table[i].offset));
  const payloadBytes = new Uint8Array(payload.buffer);
  const sha256 = createHash('sha256').update(payloadBytes).digest('hex');
  const keep = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? { $float: String(v) } : v);
  const headerBytes = new TextEncoder().encode(JSON.stringify({ meta: contents.meta, vectors: table, sha256 }, keep));
  const start = (12 + headerBytes.length + 3) & ~3;
  const out = new Uint8Array(start + payloadBytes.length);
  out.set(new TextEncoder().encode('JLYCKPT1'), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(payloadBytes, start);
  return out;
}

/** Decodes, and fails the test on anything thrown that is not a CheckpointError; returns the contents or the error. */
function decodeOrRefuse(bytes: Uint8Array, what: string): CheckpointContents<unknown> | CheckpointError {
  try {
    return decodeCheckpoint(bytes, 'x.jly');
  } catch (err) {
    assert.ok(err instanceof CheckpointError, `${what}: threw ${String(err)} instead of a CheckpointError`);
    return err;
  }
}

describe('checkpoint file', () => {
  it('round-trips the meta and several vectors bit-exactly, empty vectors included', () => {
    const path = join(tempDir(), 'checkpoint.jly');
    const vectors = sampleVectors();

    writeCheckpointFile(path, { meta: META, vectors });
    const back = readCheckpointFile<Meta>(path);

    assert.deepEqual(back.meta, META);
    assertSameVectors(back.vectors, vectors);
    assert.equal(back.vectors.empty.length, 0);
  });

  it('writes the JLYCKPT2 format: a SHA-256 of every preceding byte as the last 32 bytes', () => {
    const bytes = encodeCheckpoint({ meta: META, vectors: sampleVectors() });

    assert.equal(Buffer.from(bytes.subarray(0, 8)).toString('latin1'), 'JLYCKPT2');
    assert.deepEqual(Buffer.from(bytes.subarray(-32)), createHash('sha256').update(bytes.subarray(0, -32)).digest());
    assert.equal(bytes.length, payloadStart(bytes) + 4 * (1001 + 3 + 9 + 17) + 32);
  });

  it('round-trips a checkpoint with no vectors at all', () => {
    const path = join(tempDir(), 'checkpoint.jly');

    writeCheckpointFile(path, { meta: { round: 0 }, vectors: {} });
    const back = readCheckpointFile<{ round: number }>(path);

    assert.deepEqual(back, { meta: { round: 0 }, vectors: {} });
  });

  it('returns vectors that do not share memory with each other', () => {
    const bytes = encodeCheckpoint({ meta: {}, vectors: { a: Float32Array.from([1, 2]), b: Float32Array.from([3, 4]) } });

    const back = decodeCheckpoint<object>(bytes, 'mem');
    back.vectors.a[1] = 99;

    assert.deepEqual([...back.vectors.b], [3, 4]);
  });

  it('writes atomically: the folder holds only the checkpoint afterwards, and overwriting replaces it', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.jly');

    writeCheckpointFile(path, { meta: { round: 1 }, vectors: { params: randomValues(10, 4) } });
    writeCheckpointFile(path, { meta: { round: 2 }, vectors: { params: randomValues(10, 5) } });

    assert.deepEqual(readdirSync(dir), ['checkpoint.jly']);
    const back = readCheckpointFile<{ round: number }>(path);
    assert.equal(back.meta.round, 2);
    assertSameVectors(back.vectors, { params: randomValues(10, 5) });
  });

  it('refuses every single-byte change anywhere in the file (header, padding, payload, digest): all are covered by the digest', () => {
    // No byte is exempt: the digest covers the magic, the length, the header JSON, the padding and
    // the payload, and a change in the digest itself no longer matches them.
    const bytes = encodeCheckpoint({ meta: META, vectors: sampleVectors() });

    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i] ^= 0xff;
      const result = decodeOrRefuse(flipped, `byte ${i}`);
      assert.ok(result instanceof CheckpointError, `byte ${i} flipped was accepted`);
      assert.match(result.message, i < 8 ? /signature/ : /SHA-256 does not match/, `byte ${i}`);
    }
  });

  it('refuses every single-bit flip of a small checkpoint', () => {
    const bytes = encodeCheckpoint(smallContents());

    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      const result = decodeOrRefuse(flipped, `bit ${bit}`);
      assert.ok(result instanceof CheckpointError, `bit ${bit} flipped was accepted`);
    }
  });

  it('never crashes on a header flipped bit by bit and resealed with a correct digest: a CheckpointError, or the same payload under other meta values or names', () => {
    // The digest is no defence against a writer that reseals; the parser must still never crash,
    // and what it accepts has a vector table that covers the payload exactly, in the same order.
    const contents = smallContents();
    const bytes = encodeCheckpoint(contents);
    const headerEnd = payloadStart(bytes);
    const payload = bits(Float32Array.from([...contents.vectors.params, ...contents.vectors['strategy/m']]));
    let refused = 0;
    let decoded = 0;

    for (let bit = 0; bit < headerEnd * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      const result = decodeOrRefuse(reseal(flipped), `bit ${bit}`);
      if (result instanceof CheckpointError) {
        refused++;
        continue;
      }
      decoded++;
      const values = Object.values(result.vectors);
      assert.equal(values.length, 2, `bit ${bit}`);
      assert.deepEqual(bits(Float32Array.from(values.flatMap((v) => [...v]))), payload, `bit ${bit}`);
    }
    assert.equal(refused + decoded, headerEnd * 8);
    assert.ok(refused > 0 && decoded > 0, `${refused} refused, ${decoded} decoded`);
  });

  it('never crashes on a header nested 200,000 levels deep', () => {
    const deep = craft(`{"meta":${'['.repeat(200_000)}${']'.repeat(200_000)},"vectors":[]}`);

    decodeOrRefuse(deep, 'deep nesting');
  });

  it('refuses crafted headers whose digest is right, naming what is wrong', () => {
    const f4 = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).buffer);
    for (const [bytes, pattern] of [
      [craft('{"meta":{},"vectors":[]}', { headerLength: 0xffffffff }), /truncated \(the header of 4294967295 bytes/],
      [craft('{"meta":{},"vectors":[]}', { headerLength: 1000 }), /truncated \(the header/],
      [craft('{"meta":{},"vectors":[]}', { headerLength: 3 }), /not JSON/],
      [craft(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /not JSON/],
      [craft('null'), /its header is wrong/],
      [craft('[]'), /is wrong/],
      [craft('42'), /is wrong/],
      [craft('"text"'), /is wrong/],
      [craft('{"vectors":[]}'), /no 'meta'/],
      [craft('{"meta":{}}'), /header's vectors is wrong/],
      [craft('{"meta":{},"vectors":{}}'), /header's vectors is wrong/],
      [craft('{"meta":{},"vectors":[],"extra":1}'), /is wrong/],
      [craft('{"meta":{},"vectors":[],"sha256":"00"}'), /is wrong/],
      [craft('{"meta":{},"vectors":[null]}'), /vectors\[0\] is wrong/],
      [craft('{"meta":{},"vectors":[{"name":1,"offset":0,"length":1}]}', { payload: f4(1) }), /vectors\[0\]\.name is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":-1,"length":1}]}', { payload: f4(1) }), /vectors\[0\]\.offset is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":0.5}]}', { payload: f4(1) }), /vectors\[0\]\.length is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":1e300}]}', { payload: f4(1) }), /vectors\[0\]\.length is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":{"$float":"NaN"}}]}', { payload: f4(1) }), /vectors\[0\]\.length is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":{"$float":"Infinity"}}]}', { payload: f4(1) }), /vectors\[0\]\.length is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0}]}', { payload: f4(1) }), /vectors\[0\]\.length is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":1,"x":2}]}', { payload: f4(1) }), /vectors\[0\] is wrong/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":1,"length":1}]}', { payload: f4(2) }), /vectors\[0\]\.offset is 1, .* must be 0/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":2},{"name":"b","offset":1,"length":1}]}', { payload: f4(3) }), /vectors\[1\]\.offset is 1/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":1},{"name":"a","offset":1,"length":1}]}', { payload: f4(2) }), /names 'a' twice/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":9007199254740991}]}', { payload: f4(1) }), /need .* payload bytes or more/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":1}]}', { payload: f4(2) }), /holds 8 payload bytes, 4 expected/],
      [craft('{"meta":{},"vectors":[{"name":"a","offset":0,"length":2}]}', { payload: f4(1) }), /need 8 payload bytes or more, but 4/],
      [craft('{"meta":{},"vectors":[]}', { payload: Uint8Array.from([1, 2]) }), /holds 2 payload bytes, 0 expected/],
      [craft('{"meta":{},"vectors":[] }', { padding: 7 }), /padding byte at 37 is not zero/],
    ] as const) {
      assert.throws(() => decodeCheckpoint(bytes, 'forged.jly'), errorLike(CheckpointError, /^forged\.jly is not a valid checkpoint: /, pattern), String(pattern));
    }
  });

  it('keeps a vector named __proto__ as a plain entry', () => {
    const bytes = craft('{"meta":{},"vectors":[{"name":"__proto__","offset":0,"length":1}]}', { payload: new Uint8Array(new Float32Array([2.5]).buffer) });

    const back = decodeCheckpoint<object>(bytes, 'x.jly');

    assert.deepEqual(Object.keys(back.vectors), ['__proto__']);
    const own = Object.getOwnPropertyDescriptor(back.vectors, '__proto__')?.value as Float32Array | undefined;
    assert.ok(own instanceof Float32Array);
    assert.deepEqual([...own], [2.5]);
    assert.equal(Object.getPrototypeOf(back.vectors), Object.prototype);
  });

  it('refuses a truncated file, wherever it is cut', () => {
    const bytes = encodeCheckpoint({ meta: META, vectors: sampleVectors() });

    for (const length of [bytes.length - 1, bytes.length - 4, bytes.length - 32, payloadStart(bytes) + 4, payloadStart(bytes) - 4, 44, 43, 20, 12, 10, 8]) {
      assert.throws(() => decodeCheckpoint(bytes.subarray(0, length), 'cut.jly'), errorLike(CheckpointError, /truncated/), `cut at ${length}`);
    }
    for (const length of [7, 1, 0]) {
      assert.throws(() => decodeCheckpoint(bytes.subarray(0, length), 'cut.jly'), errorLike(CheckpointError, /signature/), `cut at ${length}`);
    }
  });

  it('refuses a file with extra bytes after the digest', () => {
    const bytes = encodeCheckpoint({ meta: {}, vectors: { params: randomValues(8, 7) } });
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);

    assert.throws(() => decodeCheckpoint(longer, 'x.jly'), errorLike(CheckpointError, /SHA-256 does not match/));
  });

  it('refuses a file with an unknown signature', () => {
    const bytes = encodeCheckpoint({ meta: META, vectors: sampleVectors() });
    bytes.set(new TextEncoder().encode('JLYCKPT3'), 0);

    assert.throws(() => decodeCheckpoint(bytes, 'x.jly'), errorLike(CheckpointError, /signature/));
  });

  it('refuses a missing file with a CheckpointError naming it', () => {
    const path = join(tempDir(), 'nothing-here.jly');

    assert.throws(() => readCheckpointFile(path), errorLike(CheckpointError, /cannot read/, /nothing-here\.jly/));
  });

  it('decodes checkpoint bytes held at an unaligned offset of a larger buffer', () => {
    const bytes = encodeCheckpoint({ meta: { round: 3 }, vectors: { params: randomValues(8, 10) } });
    const holder = Buffer.alloc(bytes.length + 1);
    holder.set(bytes, 1);

    const back = decodeCheckpoint<{ round: number }>(holder.subarray(1), 'unaligned');

    assertSameVectors(back.vectors, { params: randomValues(8, 10) });
  });
});

describe('checkpoint file: the older JLYCKPT1 format', () => {
  it('still reads a JLYCKPT1 checkpoint of an existing run folder, and the next write replaces it with JLYCKPT2', () => {
    const path = join(tempDir(), 'checkpoint.jly');
    writeFileSync(path, encodeV1({ meta: META, vectors: sampleVectors() }));

    const back = readCheckpointFile<Meta>(path);
    writeCheckpointFile(path, back);

    assert.deepEqual(back.meta, META);
    assertSameVectors(back.vectors, sampleVectors());
    assert.equal(readFileSync(path).subarray(0, 8).toString('latin1'), 'JLYCKPT2');
    assertSameVectors(readCheckpointFile<Meta>(path).vectors, sampleVectors());
  });

  it('refuses a JLYCKPT1 file with a changed payload byte, and never crashes on any byte flipped', () => {
    // JLYCKPT1's digest covers the payload only: some header flips decode (to other meta values),
    // which is why it is no longer written; checkCheckpointMeta re-validates what they hold on resume.
    const bytes = encodeV1(smallContents());
    const start = payloadStart(bytes);

    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i] ^= 0xff;
      const result = decodeOrRefuse(flipped, `byte ${i}`);
      if (i >= start) {
        assert.ok(result instanceof CheckpointError && /payload checksum/.test(result.message), `payload byte ${i}`);
      }
    }
  });
});

describe('checkpoint file: durable writes', () => {
  for (const k of [1, 3, 1000]) {
    it(`writes a correct file through short writes of at most ${k} bytes per call`, () => {
      const dir = tempDir();
      const path = join(dir, 'checkpoint.jly');
      const contents = { meta: META, vectors: sampleVectors() };

      withFileSystem(faultyFileSystem({ maxBytesPerWrite: k }), () => writeCheckpointFile(path, contents));

      assert.deepEqual(new Uint8Array(readFileSync(path)), encodeCheckpoint(contents));
      assertSameVectors(readCheckpointFile<Meta>(path).vectors, contents.vectors);
      assert.deepEqual(readdirSync(dir), ['checkpoint.jly']);
    });
  }

  it('ENOSPC at any call keeps the previous checkpoint byte-identical and readable, and throws an OutputError naming the file', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.jly');
    writeCheckpointFile(path, { meta: { round: 1 }, vectors: { params: randomValues(300, 20) } });
    const previous = readFileSync(path);
    const next = { meta: { round: 2 }, vectors: { params: randomValues(300, 21) } };
    const probe = faultyFileSystem({ maxBytesPerWrite: 500 });
    withFileSystem(probe, () => writeCheckpointFile(join(dir, 'probe.jly'), next));
    const renameAt = probe.calls.findIndex((c) => c.call === 'renameSync') + 1;

    for (let i = 1; i <= probe.calls.length; i++) {
      const fake = faultyFileSystem({ maxBytesPerWrite: 500, fail: (_call, n) => (n === i ? 'ENOSPC' : undefined) });

      assert.throws(() => withFileSystem(fake, () => writeCheckpointFile(path, next)), (err: unknown) => {
        assert.ok(err instanceof OutputError, `call ${i}: ${String(err)}`);
        assert.match(err.message, /^cannot write .*checkpoint\.jly: no space left on device \(ENOSPC\); /);
        assert.match(err.hint ?? '', /free disk space .*, then run again with --resume/);
        return true;
      });
      if (i <= renameAt) {
        assert.deepEqual(readFileSync(path), previous, `failure at call ${i} (${probe.calls[i - 1].call}) kept the previous checkpoint`);
        assert.equal(readCheckpointFile<{ round: number }>(path).meta.round, 1);
      } else {
        // The folder's fsync failed after the rename: the new checkpoint is whole, and the run still stops.
        assert.equal(readCheckpointFile<{ round: number }>(path).meta.round, 2, `call ${i}`);
        writeFileSync(path, previous);
      }
      assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.jly', 'probe.jly'], `no temporary file after call ${i}`);
    }
  });

  it('throws an OutputError when the folder cannot be written, and leaves no temporary file', () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');

    for (const path of [join(dir, 'missing', 'checkpoint.jly'), join(blocker, 'checkpoint.jly')]) {
      assert.throws(() => writeCheckpointFile(path, { meta: {}, vectors: { params: randomValues(4, 8) } }), errorLike(OutputError, /cannot write .*checkpoint\.jly: .*; nothing was written/));
    }
    assert.deepEqual(readdirSync(dir), ['not-a-folder']);
  });

  it('throws an OutputError when the checkpoint path is a folder, and cleans up its temporary file', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.jly');
    mkdirSync(join(path, 'inside'), { recursive: true });

    assert.throws(() => writeCheckpointFile(path, { meta: {}, vectors: { params: randomValues(4, 9) } }), errorLike(OutputError, /cannot write/));
    assert.deepEqual(readdirSync(dir), ['checkpoint.jly']);
  });
});
