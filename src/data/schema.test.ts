import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataMalformedError, ShapeMismatchError } from '../errors.js';
import { parseCsv } from './csv.js';
import { alignToSchema, checkProfile, DataSchemaSchema, profileOf, schemaOf, type DataSchema } from './schema.js';

const FEDERATION: DataSchema = { inputShape: [3], featureNames: ['a', 'b', 'c'], numClasses: 3, classNames: ['class_0', 'class_1', 'class_2'] };
const opts = { source: 'site-b.csv', against: 'the federation' };

test('a file that lacks a class maps its labels through the federation\'s class list, not its own sorted names', () => {
  // Read alone, this file numbers class_1 → 0 and class_2 → 1.
  const ds = parseCsv('a,b,c,y\n1,2,3,class_2\n4,5,6,class_1\n7,8,9,class_2\n', 'site-b.csv');
  assert.deepEqual([...ds.labels], [1, 0, 1]);

  const aligned = alignToSchema(ds, FEDERATION, opts);

  assert.deepEqual([...aligned.labels], [2, 1, 2]);
  assert.equal(aligned.numClasses, 3);
  assert.deepEqual(aligned.classNames, FEDERATION.classNames);
});

test('columns in another order are matched by header name', () => {
  const ds = parseCsv('c,a,b,y\n3,1,2,class_0\n6,4,5,class_1\n', 'site-c.csv');

  const aligned = alignToSchema(ds, FEDERATION, opts);

  assert.deepEqual([...aligned.features], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(aligned.featureNames, ['a', 'b', 'c']);
});

test('a class the federation does not know, a missing column and a wrong feature count are refused with the fix', () => {
  const unknown = parseCsv('a,b,c,y\n1,2,3,class_9\n4,5,6,class_1\n', 'x.csv');
  assert.throws(() => alignToSchema(unknown, FEDERATION, opts), (e: unknown) => e instanceof DataMalformedError && /'class_9' are not classes of the federation/.test(e.message) && /data\.classes/.test(e.hint ?? ''));

  const renamed = parseCsv('a,b,d,y\n1,2,3,class_0\n4,5,6,class_1\n', 'x.csv');
  assert.throws(() => alignToSchema(renamed, FEDERATION, opts), (e: unknown) => e instanceof ShapeMismatchError && /lacks column\(s\) 'c' and has column\(s\) 'd'/.test(e.message));

  const narrow = parseCsv('1,2,class_0\n4,5,class_1\n', 'x.csv');
  assert.throws(() => alignToSchema(narrow, FEDERATION, opts), (e: unknown) => e instanceof ShapeMismatchError && /2 features per sample but the federation expects 3/.test(e.message));
});

test('integer labels index the classes; text labels against unnamed classes are refused', () => {
  const ints = parseCsv('1,2,3,2\n4,5,6,0\n', 'ints.csv');
  assert.deepEqual([...alignToSchema(ints, { ...FEDERATION, featureNames: undefined }, opts).labels], [2, 0]);
  assert.throws(() => alignToSchema(ints, { inputShape: [3], numClasses: 2 }, opts), (e: unknown) => e instanceof DataMalformedError && /label 2 is not a class/.test(e.message) && /0 to 1/.test(e.hint ?? ''));

  const named = parseCsv('1,2,3,cat\n4,5,6,dog\n', 'named.csv');
  assert.throws(() => alignToSchema(named, { inputShape: [3], numClasses: 2 }, opts), (e: unknown) => e instanceof DataMalformedError && /without names/.test(e.message));
});

test('a profile declares only the classes present, so a party can be checked without its data', () => {
  const ds = alignToSchema(parseCsv('a,b,c,y\n1,2,3,class_2\n4,5,6,class_0\n', 'two.csv'), FEDERATION, opts);
  const profile = profileOf(ds);
  assert.deepEqual(profile, { inputShape: [3], featureNames: ['a', 'b', 'c'], classNames: ['class_0', 'class_2'] });
  assert.doesNotThrow(() => checkProfile(profile, FEDERATION, opts));
  assert.deepEqual(schemaOf(ds), FEDERATION);
});

test('the schema validates its own consistency', () => {
  assert.equal(DataSchemaSchema.safeParse({ inputShape: [2], numClasses: 3, classNames: ['a', 'b'] }).success, false);
  assert.equal(DataSchemaSchema.safeParse({ inputShape: [2], numClasses: 2, classNames: ['a', 'a'] }).success, false);
  assert.equal(DataSchemaSchema.safeParse({ inputShape: [2], numClasses: 2, featureNames: ['x'] }).success, false);
  assert.equal(DataSchemaSchema.safeParse(FEDERATION).success, true);
});
