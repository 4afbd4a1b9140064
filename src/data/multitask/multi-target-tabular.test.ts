import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError, DataMissingError } from '../../errors.js';
import { parseMultiTargetCsv, parseMultiTargetJsonl } from './multi-target-tabular.js';

const CSV = ['f1,f2,color,clicked,price', '1,2,red,1,3.5', '3,4,,0,', '5,6,blue,,7', '7,8,"red",1,1e1'].join('\n');

test('parseMultiTargetCsv reads features into x and every label column into a task, empty cells masked', () => {
  const { data, targets, features } = parseMultiTargetCsv(CSV, 'a.csv', { targets: [{ column: 'color' }, { column: 'clicked' }, { column: 'price', name: 'cost' }] });

  assert.equal(data.length, 4);
  assert.deepEqual(features, ['f1', 'f2']);
  const x = data.fields.x;
  assert.ok(x.kind === 'float');
  assert.deepEqual([...x.values], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(x.shape, [2]);
  const color = data.fields.color;
  assert.ok(color.kind === 'classes');
  assert.deepEqual(color.classNames, ['blue', 'red']);
  assert.deepEqual([...color.labels], [1, 0, 0, 1]);
  assert.deepEqual([...(color.mask ?? [])], [1, 0, 1, 1]);
  const clicked = data.fields.clicked;
  assert.ok(clicked.kind === 'binary');
  assert.deepEqual([...clicked.values], [1, 0, 0, 1]);
  assert.deepEqual([...(clicked.mask ?? [])], [1, 1, 0, 1]);
  const cost = data.fields.cost;
  assert.ok(cost.kind === 'regression' && cost.width === 1);
  assert.deepEqual([...cost.values], [3.5, 0, 7, 10]);
  assert.deepEqual([...(cost.mask ?? [])], [1, 0, 1, 1]);
  assert.deepEqual(
    targets.map((t) => [t.name, t.kind]),
    [
      ['color', 'classes'],
      ['clicked', 'binary'],
      ['cost', 'regression'],
    ],
  );
});

test('kind detection: integers with more than two values are regression unless kind is classes', () => {
  const text = 'f,grade\n1,0\n2,1\n3,2\n4,2';

  const auto = parseMultiTargetCsv(text, 'g.csv', { targets: [{ column: 'grade' }] }).data.fields.grade;
  const cls = parseMultiTargetCsv(text, 'g.csv', { targets: [{ column: 'grade', kind: 'classes' }] }).data.fields.grade;

  assert.equal(auto.kind, 'regression');
  assert.ok(cls.kind === 'classes');
  assert.equal(cls.numClasses, 3);
  assert.deepEqual([...cls.labels], [0, 1, 2, 2]);
  assert.equal(cls.mask, undefined);
});

test('a test file parsed with the training file\'s resolved targets gets the same class indices', () => {
  const train = parseMultiTargetCsv('f,c\n1,b\n2,c\n3,a', 'train.csv', { targets: [{ column: 'c' }] });

  const test = parseMultiTargetCsv('c,f\nc,9\nc,8', 'test.csv', { targets: train.targets, features: train.features });

  const c = test.data.fields.c;
  assert.ok(c.kind === 'classes');
  assert.deepEqual(c.classNames, ['a', 'b', 'c']);
  assert.deepEqual([...c.labels], [2, 2]);
  assert.throws(() => parseMultiTargetCsv('f,c\n1,z', 'bad.csv', { targets: train.targets }), (err: unknown) => err instanceof DataMalformedError && /line 2/.test(err.message) && /"z"/.test(err.message));
});

test('a missing feature cell is an error naming the line and the column', () => {
  assert.throws(
    () => parseMultiTargetCsv('f1,f2,y\n1,2,0\n3,,1', 'm.csv', { targets: [{ column: 'y' }] }),
    (err: unknown) => {
      assert.ok(err instanceof DataMalformedError, String(err));
      assert.match(err.message, /m\.csv: line 3, column 'f2' is missing/);
      assert.match(err.hint ?? '', /impute/);
      return true;
    },
  );
  assert.throws(() => parseMultiTargetCsv('f1,y\nabc,0', 'n.csv', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /line 2, column 'f1' is not a number: "abc"/.test(err.message));
});

test('a label column that does not exist is a DataMissingError listing the columns', () => {
  assert.throws(
    () => parseMultiTargetCsv('f,y\n1,0', 'c.csv', { targets: [{ column: 'label' }] }),
    (err: unknown) => err instanceof DataMissingError && /no label column 'label'/.test(err.message) && /f, y/.test(err.hint ?? ''),
  );
});

test('a task with no labels at all is an error naming it', () => {
  assert.throws(
    () => parseMultiTargetCsv('f,y,z\n1,0,\n2,1,', 'e.csv', { targets: [{ column: 'y' }, { column: 'z', name: 'zed' }] }),
    (err: unknown) => err instanceof DataMalformedError && /task 'zed' \(column 'z'\) has no labels at all/.test(err.message),
  );
});

test('an explicit kind that the values do not fit is an error naming the line', () => {
  assert.throws(() => parseMultiTargetCsv('f,y\n1,0\n2,3', 'b.csv', { targets: [{ column: 'y', kind: 'binary' }] }), (err: unknown) => err instanceof DataMalformedError && /line 3/.test(err.message) && /not 0 or 1/.test(err.message));
  assert.throws(() => parseMultiTargetCsv('f,y\n1,high', 'r.csv', { targets: [{ column: 'y', kind: 'regression' }] }), (err: unknown) => err instanceof DataMalformedError && /line 2/.test(err.message));
});

test('option errors: no targets, a task named x, two tasks of one name, a feature that is a target', () => {
  const text = 'f,y\n1,0\n2,1';
  const isConfig = (path: string) => (err: unknown) => err instanceof ConfigError && err.path === path;

  assert.throws(() => parseMultiTargetCsv(text, 'o.csv', { targets: [] }), isConfig('targets'));
  assert.throws(() => parseMultiTargetCsv(text, 'o.csv', { targets: [{ column: 'y', name: 'x' }] }), isConfig('targets[0].name'));
  assert.throws(() => parseMultiTargetCsv(text, 'o.csv', { targets: [{ column: 'y' }, { column: 'f', name: 'y' }] }), isConfig('targets[1]'));
  assert.throws(() => parseMultiTargetCsv(text, 'o.csv', { targets: [{ column: 'y' }], features: ['f', 'y'] }), isConfig('features[1]'));
  assert.throws(() => parseMultiTargetCsv(text, 'o.csv', { targets: [{ column: 'y' }], features: ['g'] }), DataMissingError);
  assert.throws(() => parseMultiTargetCsv('y\n1\n0', 'o.csv', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /no feature columns/.test(err.message));
});

test('CSV structure errors: ragged rows, a header without data', () => {
  assert.throws(() => parseMultiTargetCsv('f,y\n1,0,5', 's.csv', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /line 2 has 3 fields, the header has 2/.test(err.message));
  assert.throws(() => parseMultiTargetCsv('f,y\n', 's.csv', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /no data rows/.test(err.message));
});

test('parseMultiTargetJsonl: null or absent keys are missing labels, arrays are concatenated features', () => {
  const text = [
    '{"pixels": [0.5, 1], "age": 3, "sick": true, "kind": "cat"}',
    '{"pixels": [2, 3], "age": 4, "sick": null, "kind": "dog"}',
    '',
    '{"pixels": [4, 5], "age": 5, "kind": "cat", "sick": false}',
  ].join('\n');

  const { data, targets } = parseMultiTargetJsonl(text, 'p.jsonl', { targets: [{ column: 'sick' }, { column: 'kind' }] });

  const x = data.fields.x;
  assert.ok(x.kind === 'float');
  assert.deepEqual(x.shape, [3]);
  assert.deepEqual([...x.values], [0.5, 1, 3, 2, 3, 4, 4, 5, 5]);
  const sick = data.fields.sick;
  assert.ok(sick.kind === 'binary');
  assert.deepEqual([...sick.values], [1, 0, 0]);
  assert.deepEqual([...(sick.mask ?? [])], [1, 0, 1]);
  assert.deepEqual(targets.map((t) => t.kind), ['binary', 'classes']);
  const partial = parseMultiTargetJsonl('{"a": 1, "y": 2.5}\n{"a": 2}\n{"a": 3, "y": 1}', 'q.jsonl', { targets: [{ column: 'y' }] }).data.fields.y;
  assert.ok(partial.kind === 'regression');
  assert.deepEqual([...(partial.mask ?? [])], [1, 0, 1]);
});

test('parseMultiTargetJsonl errors: a missing feature key names the line and key; a label key on no line is DataMissingError', () => {
  assert.throws(() => parseMultiTargetJsonl('{"a": 1, "y": 0}\n{"y": 1}', 'r.jsonl', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /r\.jsonl: line 2, key 'a' is missing/.test(err.message));
  assert.throws(() => parseMultiTargetJsonl('{"a": 1, "y": 0}', 'r.jsonl', { targets: [{ column: 'label' }] }), (err: unknown) => err instanceof DataMissingError && /a, y/.test(err.hint ?? ''));
  assert.throws(() => parseMultiTargetJsonl('{"a": 1, "y": 0}\n[1]', 'r.jsonl', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /line 2: expected a JSON object/.test(err.message));
  assert.throws(() => parseMultiTargetJsonl('{"a": [1, 2], "y": 0}\n{"a": [1], "y": 1}', 'r.jsonl', { targets: [{ column: 'y' }] }), (err: unknown) => err instanceof DataMalformedError && /line 2 has 1 feature values, line 1 has 2/.test(err.message));
});

test('skipLines skips lines before the header (scikit-learn\'s CSVs start with a line of counts), and the header error says so', () => {
  const text = '3,2,,\nf1,f2,price,river\n1,2,10.5,0\n3,4,20,1\n5,6,30,\n';
  assert.throws(() => parseMultiTargetCsv(text, 'houses.csv', { targets: [{ column: 'price' }] }), (e: unknown) => e instanceof DataMalformedError && /set data.skipLines/.test(e.hint ?? ''));
  const table = parseMultiTargetCsv(text, 'houses.csv', { targets: [{ column: 'price' }, { column: 'river' }], skipLines: 1 });
  assert.equal(table.data.length, 3);
  assert.deepEqual(table.features, ['f1', 'f2']);
  assert.deepEqual(table.targets.map((t) => [t.name, t.kind]), [['price', 'regression'], ['river', 'binary']]);
  assert.deepEqual(Array.from((table.data.fields.river as { mask?: Uint8Array }).mask ?? []), [1, 1, 0]);
});
