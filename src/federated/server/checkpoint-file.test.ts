/**
 * The checkpoint file: exact round trips, atomic writes, and a CheckpointError (never a crash or
 * a silently wrong checkpoint) for every kind of damage.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CheckpointError } from '../../errors.js';
import { errorLike, randomValues, tempDirFactory } from '../../engine/testing.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointFile, writeCheckpointFile } from './checkpoint-file.js';

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

/** Offset of the payload in an encoded checkpoint. */
function payloadStart(bytes: Uint8Array): number {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return (8 + 4 + headerLength + 3) & ~3;
}

describe('checkpoint file', () => {
  it('round-trips the meta and several vectors bit-exactly, empty vectors included', () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const vectors = sampleVectors();

    writeCheckpointFile(path, { meta: META, vectors });
    const back = readCheckpointFile<Meta>(path);

    assert.deepEqual(back.meta, META);
    assertSameVectors(back.vectors, vectors);
    assert.equal(back.vectors.empty.length, 0);
  });

  it('round-trips a checkpoint with no vectors at all', () => {
    const path = join(tempDir(), 'checkpoint.bin');

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
    const path = join(dir, 'checkpoint.bin');

    writeCheckpointFile(path, { meta: { round: 1 }, vectors: { params: randomValues(10, 4) } });
    writeCheckpointFile(path, { meta: { round: 2 }, vectors: { params: randomValues(10, 5) } });

    assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
    const back = readCheckpointFile<{ round: number }>(path);
    assert.equal(back.meta.round, 2);
    assertSameVectors(back.vectors, { params: randomValues(10, 5) });
  });

  it('refuses a checkpoint with a corrupted payload byte (checksum)', () => {
    const path = join(tempDir(), 'checkpoint.bin');
    writeCheckpointFile(path, { meta: META, vectors: sampleVectors() });
    const bytes = readFileSync(path);
    bytes[payloadStart(bytes) + 100] ^= 0x01;
    writeFileSync(path, bytes);

    assert.throws(() => readCheckpointFile(path), errorLike(CheckpointError, /checksum/, /checkpoint\.bin/));
  });

  it('refuses a checkpoint whose header JSON was altered', () => {
    const bytes = encodeCheckpoint({ meta: { round: 1 }, vectors: { params: randomValues(8, 6) } });
    bytes[13] = 0x7b; // inside the JSON: `{"meta"` becomes `{{meta"` or similar

    assert.throws(() => decodeCheckpoint(bytes, 'x.bin'), errorLike(CheckpointError, /not JSON/));
  });

  it('refuses a truncated file: in the payload, in the header, and before the length prefix', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.bin');
    writeCheckpointFile(path, { meta: META, vectors: sampleVectors() });
    const bytes = readFileSync(path);

    for (const [length, pattern] of [
      [bytes.length - 4, /truncated/],
      [bytes.length - 1, /truncated/],
      [payloadStart(bytes) - 4, /truncated|not JSON/],
      [20, /truncated \(header\)/],
      [10, /signature/],
      [0, /signature/],
    ] as const) {
      const cut = join(dir, `cut-${length}.bin`);
      writeFileSync(cut, bytes.subarray(0, length));
      assert.throws(() => readCheckpointFile(cut), errorLike(CheckpointError, pattern), `cut at ${length}`);
    }
  });

  it('refuses a file with extra bytes after the payload', () => {
    const bytes = encodeCheckpoint({ meta: {}, vectors: { params: randomValues(8, 7) } });
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);

    assert.throws(() => decodeCheckpoint(longer, 'x.bin'), errorLike(CheckpointError, /payload bytes/));
  });

  it('refuses a file with the wrong signature', () => {
    const path = join(tempDir(), 'checkpoint.bin');
    writeCheckpointFile(path, { meta: META, vectors: sampleVectors() });
    const bytes = readFileSync(path);
    bytes.write('JLYCKPT2', 0, 'latin1');
    writeFileSync(path, bytes);

    assert.throws(() => readCheckpointFile(path), errorLike(CheckpointError, /signature/));
  });

  it('refuses a missing file with a CheckpointError naming it', () => {
    const path = join(tempDir(), 'nothing-here.bin');

    assert.throws(() => readCheckpointFile(path), errorLike(CheckpointError, /cannot read/, /nothing-here\.bin/));
  });

  it('throws a CheckpointError when the folder cannot be written, and leaves no temporary file', () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const missing = join(dir, 'missing', 'checkpoint.bin');
    const underFile = join(blocker, 'checkpoint.bin');

    for (const path of [missing, underFile]) {
      assert.throws(() => writeCheckpointFile(path, { meta: {}, vectors: { params: randomValues(4, 8) } }), errorLike(CheckpointError, /cannot write the checkpoint/));
    }
    assert.deepEqual(readdirSync(dir), ['not-a-folder']);
  });

  it('throws a CheckpointError when the checkpoint path is a folder, and cleans up its temporary file', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.bin');
    mkdirSync(join(path, 'inside'), { recursive: true });

    assert.throws(() => writeCheckpointFile(path, { meta: {}, vectors: { params: randomValues(4, 9) } }), errorLike(CheckpointError, /cannot write/));
    assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
  });

  it('decodes checkpoint bytes held at an unaligned offset of a larger buffer', () => {
    const bytes = encodeCheckpoint({ meta: { round: 3 }, vectors: { params: randomValues(8, 10) } });
    const holder = Buffer.alloc(bytes.length + 1);
    holder.set(bytes, 1);

    const back = decodeCheckpoint<{ round: number }>(holder.subarray(1), 'unaligned');

    assertSameVectors(back.vectors, { params: randomValues(8, 10) });
  });
});
