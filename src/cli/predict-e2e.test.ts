/**
 * End to end, with real processes: `jointly run` trains a mutual cohort on a tiny CSV with
 * integer labels named by `data.classes`, features on raw scales standardized by `preprocess`,
 * and saves its members; their model.json carries the class names, the feature schema with its
 * scaling and what the output is; `jointly predict` then predicts a file
 * without the label column (columns in another order) into CSV and JSON Lines, prints a table
 * with class names, and scores a labeled file. `jointly simulate` on text labels writes label
 * histograms headed by the class names. Refusals exit with the documented codes.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createRng } from '../engine/random.js';
import { tempDirFactory } from '../engine/testing.js';
import { runJointly as jointly, showRun as show } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-predict-e2e-');
const FEATURES = ['radius', 'texture', 'smoothness'];
const CLASSES = ['benign', 'malignant'];


/**
 * Rows of 3 named features; class 1 (malignant) is high on `radius` (about 1020), class 0 low (980). `label` writes
 * the label column `diagnosis` last: as the class index, as the class name, or not at all;
 * `order` permutes the feature columns.
 */
function writeCsv(path: string, opts: { rows: number; seed: number; label: 'index' | 'name' | 'none'; order?: number[] }): number[] {
  const order = opts.order ?? FEATURES.map((_, j) => j);
  const rng = createRng(opts.seed);
  const header = order.map((j) => FEATURES[j]);
  if (opts.label !== 'none') header.push('diagnosis');
  const lines = [header.join(',')];
  const labels: number[] = [];
  for (let i = 0; i < opts.rows; i++) {
    const y = i % 2;
    labels.push(y);
    // Raw scales as real files have them: radius near 1000, so that only standardized inputs separate the classes well.
    const values = FEATURES.map((_, j) => ((j === 0 ? 1000 : 0) + 10 * ((j === 0 ? (y === 1 ? 2 : -2) : 0) + (rng.next() - 0.5))).toFixed(3));
    const cells = order.map((j) => values[j]);
    if (opts.label === 'index') cells.push(String(y));
    if (opts.label === 'name') cells.push(CLASSES[y]);
    lines.push(cells.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return labels;
}

let dir = '';
let member = '';
let runDir = '';

before(() => {
  dir = tempDir();
  writeCsv(join(dir, 'train.csv'), { rows: 120, seed: 1, label: 'index' });
  const config = join(dir, 'cancer.json');
  writeFileSync(
    config,
    JSON.stringify({
      mode: 'mutual',
      name: 'cancer',
      backend: 'cpu',
      seeds: [0],
      data: { dataset: 'csv', train: join(dir, 'train.csv'), labelColumn: 'diagnosis', classes: CLASSES, validationFraction: 0, preprocess: 'standardize' },
      models: [
        { type: 'mlp', hidden: [8] },
        { type: 'mlp', hidden: [6] },
      ],
      method: { name: 'dml' },
      training: { epochs: 8, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.05 } },
      output: { saveModels: true },
    }),
  );
  runDir = join(dir, 'run');
  const r = jointly('run', config, '--out', runDir, '--quiet');
  assert.equal(r.status, 0, show(r));
  member = join(runDir, 'models', 'seed-0', 'joint', 'mlp-1');
});

describe('saved models carry their meaning', () => {
  it('model.json records the class names from data.classes, the feature names and that the output is logits', () => {
    const json = JSON.parse(readFileSync(join(member, 'model.json'), 'utf8')) as {
      jointly: { outputs: Record<string, string>; probabilities: Record<string, string>; schema: { featureNames: string[]; classNames: string[]; numClasses: number; pipeline?: { scaling?: { method: string; offset: number[] } } } };
    };

    assert.deepEqual(json.jointly.outputs, { y: 'logits' });
    assert.deepEqual(json.jointly.probabilities, { y: 'tf.softmax(output)' });
    assert.deepEqual(json.jointly.schema.classNames, CLASSES);
    assert.deepEqual(json.jointly.schema.featureNames, FEATURES);
    assert.equal(json.jointly.schema.numClasses, 2);
    // The training split's standardization travels with the model (radius's mean is near 1000).
    assert.equal(json.jointly.schema.pipeline?.scaling?.method, 'standardize');
    assert.ok(Math.abs((json.jointly.schema.pipeline?.scaling?.offset[0] ?? 0) - 1000) < 10);
    assert.match(readFileSync(join(runDir, 'report.md'), 'utf8'), /^- classes: benign, malignant$/m);
  });
});

describe('jointly predict', () => {
  it('predicts a file without the label column, columns shuffled, into a CSV with a probability per class name', () => {
    const file = join(dir, 'new.csv');
    writeCsv(file, { rows: 30, seed: 2, label: 'none', order: [2, 0, 1] });
    const outFile = join(dir, 'preds.csv');

    const r = jointly('predict', member, file, '--out', outFile, '--backend', 'cpu');

    assert.equal(r.status, 0, show(r));
    const lines = readFileSync(outFile, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'line,predicted,p_benign,p_malignant');
    assert.equal(lines.length, 31);
    lines.slice(1).forEach((line, i) => {
      const [at, predicted, pb, pm] = line.split(',');
      assert.equal(Number(at), i + 2, 'the row\'s line in the file');
      assert.ok(Math.abs(Number(pb) + Number(pm) - 1) < 1e-5, `${line}: probabilities sum to 1`);
      assert.equal(predicted, Number(pm) > Number(pb) ? 'malignant' : 'benign', `${line}: the predicted class is the most probable`);
    });
    const right = lines.slice(1).filter((l, i) => l.split(',')[1] === CLASSES[i % 2]).length;
    // Raw radii near 1000 are separable only once standardized as at training: predict applies the saved scaling.
    assert.ok(right >= 27, `a separable file is predicted well: ${right} of 30 right`);
    assert.match(r.stdout, /^classes: benign, malignant$/m);
    assert.match(r.stdout, /^probabilities: softmax of the model's logits \(they sum to 1\)$/m);
    assert.match(r.stdout, /^line\s+predicted\s+probability\s+top 2$/m);
    assert.match(r.stdout, /^2\s+benign\s+[\d.e-]+\s+benign [\d.e-]+, malignant [\d.e-]+$/m);
    assert.match(r.stdout, /\(10 more rows, all in .*preds\.csv\)/);
    assert.match(r.stdout, /^rows predicted: 30$/m);
    assert.match(r.stdout, /^written: .*preds\.csv \(30 rows, CSV\)$/m);
  });

  it('a labeled file: JSON Lines with the label, and --json with the accuracy against the labels', () => {
    const file = join(dir, 'labeled.csv');
    const labels = writeCsv(file, { rows: 20, seed: 3, label: 'name' });
    const outFile = join(dir, 'preds.jsonl');

    const r = jointly('predict', member, file, '--label-column', 'diagnosis', '--out', outFile, '--backend', 'cpu', '--json', '--top', '1');

    assert.equal(r.status, 0, show(r));
    assert.equal(r.stderr, '', '--json keeps stderr quiet');
    const doc = JSON.parse(r.stdout) as { classNames: string[]; labeled: boolean; summary: { rows: number; accuracy: number; correct: number }; rows: { line: number; predicted: string; label: string; probabilities: Record<string, number> }[] };
    const rows = readFileSync(outFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as (typeof doc.rows)[number]);
    assert.deepEqual(doc.classNames, CLASSES);
    assert.equal(doc.labeled, true);
    assert.equal(rows.length, 20);
    assert.deepEqual(rows, doc.rows);
    assert.deepEqual(rows.map((row) => row.label), labels.map((y) => CLASSES[y]));
    const correct = rows.filter((row) => row.predicted === row.label).length;
    assert.equal(doc.summary.correct, correct);
    assert.ok(Math.abs(doc.summary.accuracy - correct / 20) < 1e-12);
    for (const row of rows) assert.ok(Math.abs(row.probabilities.benign + row.probabilities.malignant - 1) < 1e-5);
  });

  it('refusals: a missing column exits 4, a missing model 3, a .json --out and missing arguments 2', () => {
    const narrow = join(dir, 'narrow.csv');
    writeFileSync(narrow, 'radius,texture\n1,2\n3,4\n');

    const missingColumn = jointly('predict', member, narrow, '--backend', 'cpu');
    const missingModel = jointly('predict', join(dir, 'no-such-model'), narrow);
    const jsonOut = jointly('predict', member, narrow, '--out', join(dir, 'p.json'));
    const noData = jointly('predict', member);

    assert.equal(missingColumn.status, 4, show(missingColumn));
    assert.match(missingColumn.stderr, /error \[SHAPE_MISMATCH\]: .*'smoothness'/);
    assert.equal(missingModel.status, 3, show(missingModel));
    assert.match(missingModel.stderr, /no such model folder\n {2}hint: /);
    assert.equal(jsonOut.status, 2, show(jsonOut));
    assert.match(jsonOut.stderr, /not as one \.json document\n {2}hint: name the file \.csv or \.jsonl/);
    assert.equal(noData.status, 2, show(noData));
    assert.match(noData.stderr, /needs a model folder and a data file/);
  });

  it('--help prints the command\'s own help', () => {
    const help = jointly('predict', '--help');

    assert.equal(help.status, 0, show(help));
    assert.match(help.stdout, /^usage: jointly predict <model-dir> <data> \[options\]/);
    assert.match(help.stdout, /--out <file>/);
  });
});

describe('federated reports name the classes', () => {
  it('jointly simulate on text labels heads the label histograms with the class names and records them in report.json', () => {
    const train = join(dir, 'named.csv');
    const test = join(dir, 'named-test.csv');
    writeCsv(train, { rows: 60, seed: 4, label: 'name' });
    writeCsv(test, { rows: 20, seed: 5, label: 'name' });
    const config = join(dir, 'federated.json');
    writeFileSync(
      config,
      JSON.stringify({
        mode: 'federated',
        name: 'cancer-fl',
        seed: 1,
        backend: 'cpu',
        data: { dataset: 'csv', train, test, labelColumn: 'diagnosis' },
        model: { type: 'mlp', hidden: [4] },
        optimizer: { name: 'sgd', learningRate: 0.05 },
        strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
        rounds: 1,
        simulation: { clients: 2, workers: 1, baselines: { localOnly: false, pooled: false } },
      }),
    );
    const out = join(dir, 'fl-run');

    const r = jointly('simulate', config, '--out', out, '--quiet');

    assert.equal(r.status, 0, show(r));
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /Classes \(in index order\): benign, malignant\./);
    assert.match(md, /\| client \|\s+n \| benign \| malignant \|/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { classNames: string[] };
    assert.deepEqual(report.classNames, CLASSES);
  });
});
