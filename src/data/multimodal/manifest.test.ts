import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorLike, tempDirFactory } from '../../engine/testing.js';
import { ConfigError, DataMalformedError, DataMissingError, ShapeMismatchError } from '../../errors.js';
import { ManifestDataConfigSchema, loadManifest, loadManifestSplits } from './manifest.js';
import { encodePgm, encodePng } from './testing.js';

const tempDir = tempDirFactory('jointly-manifest-');

/** A folder with a 2x3 grey PNG, a 2x3 PGM, a 3x3 PNG, a text file, and manifests that name them. */
function fixture(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'img'));
  writeFileSync(join(dir, 'img', 'a.png'), encodePng(3, 2, Uint8Array.from([0, 51, 102, 153, 204, 255]), { color: 0, filters: [1, 4] }));
  writeFileSync(join(dir, 'img', 'b.pgm'), encodePgm(3, 2, [255, 204, 153, 102, 51, 0]));
  writeFileSync(join(dir, 'img', 'big.png'), encodePng(3, 3, new Uint8Array(9), { color: 0 }));
  writeFileSync(join(dir, 'note.txt'), 'a note from a file\n');
  writeFileSync(
    join(dir, 'm.csv'),
    ['image,caption,age,bp,sex,label', 'img/a.png,"a cat, sitting",3,120,f,cat', 'img/b.pgm,a dog,NA,?,,dog', ',only text,7,110,m,cat', ''].join('\n'),
  );
  return dir;
}

const CSV_MODALITIES = {
  image: { kind: 'image', column: 'image' },
  caption: { kind: 'text', column: 'caption' },
  record: { kind: 'tabular', numeric: ['age', 'bp'], categorical: ['sex'] },
} as const;

test('a CSV manifest: PNG and PGM images, inline text, numeric and categorical columns, missing cells', () => {
  const dir = fixture();
  const ds = loadManifest({ path: join(dir, 'm.csv'), modalities: CSV_MODALITIES });
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.classNames, ['cat', 'dog']);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 0]);
  const image = ds.modalities.image;
  assert.ok(image.kind === 'image');
  assert.deepEqual(image.shape, [2, 3, 1]);
  const expected = [0, 0.2, 0.4, 0.6, 0.8, 1, 1, 0.8, 0.6, 0.4, 0.2, 0, 0, 0, 0, 0, 0, 0];
  expected.forEach((v, i) => assert.ok(Math.abs(image.values[i] - v) < 1e-6, `pixel ${i}: ${image.values[i]} vs ${v}`));
  assert.deepEqual(Array.from(ds.present?.image ?? []), [1, 1, 0]);
  const caption = ds.modalities.caption;
  assert.ok(caption.kind === 'text');
  assert.deepEqual(caption.texts, ['a cat, sitting', 'a dog', 'only text']);
  assert.equal(ds.present?.caption, undefined); // present everywhere: no mask
  const record = ds.modalities.record;
  assert.ok(record.kind === 'tabular');
  assert.deepEqual(record.numericNames, ['age', 'bp']);
  assert.deepEqual(Array.from(record.numeric.subarray(0, 2)), [3, 120]);
  assert.ok(Number.isNaN(record.numeric[2]) && Number.isNaN(record.numeric[3]));
  assert.deepEqual(Array.from(record.numeric.subarray(4)), [7, 110]);
  assert.deepEqual(record.categorical, [['f', '', 'm']]);
  assert.deepEqual(Array.from(ds.present?.record ?? []), [1, 0, 1]); // row 2: every record cell missing
});

test('a JSON-lines manifest: text from files, nulls and absent keys missing, integer labels as class indices', () => {
  const dir = fixture();
  const lines = [
    { image: 'img/a.png', doc: 'note.txt', score: 1.5, label: 0 },
    { image: 'img/b.pgm', doc: null, score: null, label: 2 },
    { doc: 'note.txt', label: 1 },
  ];
  writeFileSync(join(dir, 'm.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const ds = loadManifest({ path: join(dir, 'm.jsonl'), modalities: { image: { kind: 'image', column: 'image', shape: [2, 3, 1] }, doc: { kind: 'text', column: 'doc', file: true }, score: { kind: 'tabular', numeric: ['score'] } } });
  assert.deepEqual(ds.classNames, ['0', '1', '2']);
  assert.deepEqual(Array.from(ds.labels), [0, 2, 1]);
  const doc = ds.modalities.doc;
  assert.ok(doc.kind === 'text');
  assert.deepEqual(doc.texts, ['a note from a file\n', '', 'a note from a file\n']);
  assert.deepEqual(Array.from(ds.present?.doc ?? []), [1, 0, 1]);
  assert.deepEqual(Array.from(ds.present?.image ?? []), [1, 1, 0]);
  assert.deepEqual(Array.from(ds.present?.score ?? []), [1, 0, 0]);
});

test('bad input: a missing column, an image of the wrong shape, an unreadable file, an unknown label', () => {
  const dir = fixture();
  const path = join(dir, 'm.csv');
  assert.throws(() => loadManifest({ path, modalities: { caption: { kind: 'text', column: 'captions' } } }), errorLike(DataMalformedError, /missing column 'captions'/, /image, caption, age/));
  writeFileSync(join(dir, 'shapes.csv'), 'image,label\nimg/a.png,x\nimg/big.png,y\n');
  assert.throws(
    () => loadManifest({ path: join(dir, 'shapes.csv'), modalities: { image: { kind: 'image', column: 'image' } } }),
    errorLike(ShapeMismatchError, /line 3: column 'image'/, /big\.png is an image of the wrong shape: \[3, 3, 1\]/, /expected \[2, 3, 1\], the shape of the first image \(line 2: img\/a\.png\)/),
  );
  assert.throws(() => loadManifest({ path: join(dir, 'shapes.csv'), modalities: { image: { kind: 'image', column: 'image', shape: [28, 28, 1] } } }), errorLike(ShapeMismatchError, /line 2/, /expected \[28, 28, 1\], the configured shape/));
  writeFileSync(join(dir, 'gone.csv'), 'image,label\nimg/a.png,x\nimg/nothere.png,y\n');
  assert.throws(() => loadManifest({ path: join(dir, 'gone.csv'), modalities: { image: { kind: 'image', column: 'image' } } }), errorLike(DataMissingError, /line 3: column 'image': cannot read image .*nothere\.png \(ENOENT\)/));
  assert.throws(() => loadManifest({ path, classes: ['cat', 'bird'], modalities: CSV_MODALITIES }), errorLike(DataMalformedError, /line 3: column 'label': unknown label 'dog' \(classes: cat, bird\)/));
  assert.throws(() => loadManifest({ path: join(dir, 'none.csv'), modalities: CSV_MODALITIES }), errorLike(DataMissingError, /cannot read the manifest/));
  writeFileSync(join(dir, 'word.csv'), 'age,label\n3,x\nold,y\n');
  assert.throws(() => loadManifest({ path: join(dir, 'word.csv'), modalities: { r: { kind: 'tabular', numeric: ['age'] } } }), errorLike(DataMalformedError, /line 3: column 'age': "old" is not a finite number/));
  writeFileSync(join(dir, 'empty-row.csv'), 'caption,label\nhello,x\nNA,y\n');
  assert.throws(() => loadManifest({ path: join(dir, 'empty-row.csv'), modalities: { caption: { kind: 'text', column: 'caption' } } }), errorLike(DataMalformedError, /line 3: every modality is missing/));
  writeFileSync(join(dir, 'nolabel.csv'), 'caption,label\nhello,x\nbye,\n');
  assert.throws(() => loadManifest({ path: join(dir, 'nolabel.csv'), modalities: { caption: { kind: 'text', column: 'caption' } } }), errorLike(DataMalformedError, /line 3: column 'label': the label is missing/));
});

test('bad config: field-level errors naming the field', () => {
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: { image: { kind: 'picture', column: 'image' } } }), errorLike(ConfigError, /^modalities\.image\.kind: /));
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: { r: { kind: 'tabular' } } }), errorLike(ConfigError, /^modalities\.r: a tabular modality needs at least one/));
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: {} }), errorLike(ConfigError, /^modalities: give at least one modality/));
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: { t: { kind: 'text', column: 'label' } } }), errorLike(ConfigError, /label column/));
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: { image: { kind: 'image', column: 'image', shape: [28, 28] } } }), errorLike(ConfigError, /^modalities\.image\.shape/));
  assert.throws(() => loadManifest({ path: 'm.csv', modalities: { t: { kind: 'text', column: 'c' } }, extra: 1 }), ConfigError);
  const parsed = ManifestDataConfigSchema.parse({ type: 'manifest', path: 'm.csv', modalities: { t: { kind: 'text', column: 'c' } } });
  assert.equal(parsed.label, 'label');
  assert.deepEqual(parsed.missing, ['', 'NA', '?']);
  assert.equal(parsed.testFraction, 0.2);
});

test('splits: a test manifest with shared classes, or a seeded stratified split', () => {
  const dir = fixture();
  writeFileSync(join(dir, 'test.csv'), 'image,caption,age,bp,sex,label\nimg/b.pgm,bird,1,100,f,bird\nimg/a.png,cat,2,90,m,cat\n');
  const { train, test: testSet } = loadManifestSplits({ path: join(dir, 'm.csv'), testPath: join(dir, 'test.csv'), modalities: CSV_MODALITIES });
  assert.deepEqual(train.classNames, ['bird', 'cat', 'dog']);
  assert.deepEqual(testSet.classNames, ['bird', 'cat', 'dog']);
  assert.deepEqual(Array.from(testSet.labels), [0, 1]);
  const rows = ['caption,label', ...Array.from({ length: 20 }, (_, i) => `text ${i},${i % 2 === 0 ? 'even' : 'odd'}`)];
  writeFileSync(join(dir, 'many.csv'), rows.join('\n'));
  const config = { path: join(dir, 'many.csv'), testFraction: 0.3, seed: 4, modalities: { caption: { kind: 'text', column: 'caption' } } } as const;
  const a = loadManifestSplits(config);
  const b = loadManifestSplits(config);
  assert.equal(a.test.length, 6);
  assert.equal(a.train.length, 14);
  assert.deepEqual(Array.from(a.test.labels).filter((y) => y === 0).length, 3);
  assert.deepEqual(a.test.modalities.caption, b.test.modalities.caption);
});
