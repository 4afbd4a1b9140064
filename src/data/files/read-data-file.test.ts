/** Data files read as text: plain or gzipped (scikit-learn ships `digits.csv.gz`), a broken gzip refused with the cause. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataMalformedError } from '../../errors.js';
import { readDataText } from './read-data-file.js';
import { loadCsv } from './tabular-files.js';

const dir = mkdtempSync(join(tmpdir(), 'jointly-read-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CSV = 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n';

describe('readDataText', () => {
  it('reads a plain file and a gzipped one to the same text', () => {
    writeFileSync(join(dir, 'plain.csv'), CSV);
    writeFileSync(join(dir, 'packed.csv.gz'), gzipSync(Buffer.from(CSV)));

    assert.equal(readDataText(join(dir, 'plain.csv'), 'CSV file'), CSV);
    assert.equal(readDataText(join(dir, 'packed.csv.gz'), 'CSV file'), CSV);
  });

  it('refuses a file that starts like gzip but does not unpack, naming the cause', () => {
    const path = join(dir, 'broken.csv.gz');
    writeFileSync(path, gzipSync(Buffer.from(CSV)).subarray(0, 12));

    assert.throws(() => readDataText(path, 'CSV file'), (e: unknown) => e instanceof DataMalformedError && /starts like a gzip file but cannot be unpacked/.test(e.message) && e.message.startsWith(path));
  });

  it('loads a gzipped CSV dataset as the plain one', () => {
    const plain = loadCsv(join(dir, 'plain.csv'), { header: true });
    const packed = loadCsv(join(dir, 'packed.csv.gz'), { header: true });

    assert.deepEqual(Array.from(packed.features), Array.from(plain.features));
    assert.deepEqual(Array.from(packed.labels), Array.from(plain.labels));
  });
});
