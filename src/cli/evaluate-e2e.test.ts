/**
 * End to end, with real processes: `jointly simulate` trains and saves a global model on a CSV
 * with text labels (saveBest on), then `jointly evaluate` scores it on a test file whose columns
 * are in another order, in text and --json, and refuses a file with a wrong feature count
 * (exit 4), an unknown class (exit 3), a missing model folder (exit 3) and a bad call (exit 2),
 * each with a hint.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createRng } from '../engine/random.js';
import { tempDirFactory } from '../engine/testing.js';
import type { RoundRecord } from '../federated/server/coordinator.js';
import { runJointly as jointly, showRun as show } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-evaluate-e2e-');
const FEATURES = ['alcohol', 'ash', 'hue', 'proline'];
const CLASSES = ['barolo', 'grignolino', 'barbera'];


/** Rows of 4 named features (each class high on one), the label column `kind` in the middle; `order` permutes the feature columns. */
function writeCsv(path: string, opts: { rows: number; seed: number; order?: number[]; features?: string[]; oddLabel?: string }): void {
  const names = opts.features ?? FEATURES;
  const order = opts.order ?? names.map((_, j) => j);
  const rng = createRng(opts.seed);
  const header = order.map((j) => names[j]);
  header.splice(1, 0, 'kind');
  const lines = [header.join(',')];
  for (let i = 0; i < opts.rows; i++) {
    const y = i % 3;
    const values = names.map((_, j) => ((j === y ? 1.5 : 0) + (rng.next() - 0.5) * 2).toFixed(4));
    const cells = order.map((j) => values[j]);
    cells.splice(1, 0, opts.oddLabel !== undefined && i === 4 ? opts.oddLabel : CLASSES[y]);
    lines.push(cells.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

let dir = '';
let runDir = '';
let history: RoundRecord[] = [];

before(() => {
  dir = tempDir();
  writeCsv(join(dir, 'train.csv'), { rows: 240, seed: 1 });
  writeCsv(join(dir, 'test.csv'), { rows: 90, seed: 2 });
  writeCsv(join(dir, 'shuffled.csv'), { rows: 90, seed: 2, order: [3, 1, 0, 2] });
  writeCsv(join(dir, 'narrow.csv'), { rows: 30, seed: 3, features: FEATURES.slice(0, 3) });
  writeCsv(join(dir, 'unknown.csv'), { rows: 30, seed: 4, oddLabel: 'chianti' });
  const config = join(dir, 'wine.json');
  writeFileSync(
    config,
    JSON.stringify({
      mode: 'federated',
      name: 'wine',
      seed: 2,
      backend: 'cpu',
      data: { dataset: 'csv', train: join(dir, 'train.csv'), test: join(dir, 'test.csv'), labelColumn: 'kind' },
      model: { type: 'mlp', hidden: [8] },
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
      rounds: 3,
      simulation: { clients: 2, workers: 1, baselines: { localOnly: false, pooled: false } },
      output: { saveBest: true },
    }),
  );
  runDir = join(dir, 'run');
  const r = jointly('simulate', config, '--out', runDir, '--quiet');
  assert.equal(r.status, 0, show(r));
  history = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RoundRecord);
});

describe('jointly evaluate', () => {
  it('scores the saved global model on a file with its columns shuffled and text labels', () => {
    const r = jointly('evaluate', join(runDir, 'model'), join(dir, 'shuffled.csv'), '--label-column', 'kind', '--backend', 'cpu');
    assert.equal(r.status, 0, show(r));
    const lines = r.stdout.trimEnd().split('\n');
    const reported = history[history.length - 1].evaluation?.accuracy as number;
    assert.match(lines[0], /^model: .*run\/model \(federated final global model, round 3 of 3\)$/);
    assert.equal(lines[1], 'schema: 3 classes, 4 named features');
    assert.match(lines[2], /^data: all 90 rows of .*shuffled\.csv$/);
    assert.equal(lines[3], 'rows used: 90');
    assert.equal(lines[4], `accuracy: ${(reported * 100).toFixed(2)}%`, 'the accuracy the run reported for its last round');
    assert.match(lines[5], /^loss \(cross-entropy\): \d+\.\d{4}$/);
    assert.match(lines[6], /^macro-F1: \d\.\d{4}$/);
    assert.match(lines[8], /^class\s+rows\s+correct\s+accuracy \(recall\)$/);
    // Classes in the federation's index order (sorted names), 30 rows each.
    assert.deepEqual(lines.slice(10).map((l) => l.split(/\s+/).slice(0, 2)), [['barbera', '30'], ['barolo', '30'], ['grignolino', '30']]);
    assert.match(r.stderr, /backend: cpu/);
  });

  it('--json prints the same numbers as one document; the best model is evaluated with its round', () => {
    const r = jointly('evaluate', join(runDir, 'best-model'), join(dir, 'test.csv'), '--label-column', 'kind', '--backend', 'cpu', '--json');
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stderr, '', '--json keeps stderr quiet');
    const doc = JSON.parse(r.stdout) as { rows: number; accuracy: number; loss: number; macroF1: number; round: { kind: string; round: number; accuracy: number }; classes: { name: string; rows: number; accuracy: number | null }[] };
    const best = history.reduce((b, h) => ((h.evaluation?.accuracy as number) > (b.evaluation?.accuracy as number) ? h : b));
    assert.equal(doc.rows, 90);
    assert.deepEqual([doc.round.kind, doc.round.round], ['best', best.round]);
    assert.ok(Math.abs(doc.accuracy - (best.evaluation?.accuracy as number)) <= 1e-6, `${doc.accuracy} vs ${best.evaluation?.accuracy}`);
    assert.deepEqual(doc.classes.map((c) => c.name), ['barbera', 'barolo', 'grignolino']);
  });

  it('a wrong feature count exits 4, an unknown class 3, each with a hint', () => {
    const narrow = jointly('evaluate', join(runDir, 'model'), join(dir, 'narrow.csv'), '--label-column', 'kind', '--backend', 'cpu');
    assert.equal(narrow.status, 4, show(narrow));
    assert.match(narrow.stderr, /error \[SHAPE_MISMATCH\]: .*narrow\.csv: lacks column\(s\) 'proline' \(the model in .* has 4 features: 'alcohol', 'ash', 'hue', 'proline'\)/);
    assert.match(narrow.stderr, /hint: give the data the same feature columns \(by header name\)/);
    const unknown = jointly('evaluate', join(runDir, 'model'), join(dir, 'unknown.csv'), '--label-column', 'kind', '--backend', 'cpu');
    assert.equal(unknown.status, 3, show(unknown));
    assert.match(unknown.stderr, /error \[DATA_MALFORMED\]: .*unknown\.csv: class\(es\) 'chianti' are not classes of the model/);
    assert.match(unknown.stderr, /hint: remove those rows, fix the spelling/);
  });

  it('a missing model folder exits 3, missing arguments and unknown data kinds exit 2, --help prints the command\'s help', () => {
    const missing = jointly('evaluate', join(dir, 'no-such-run', 'model'), join(dir, 'test.csv'));
    assert.equal(missing.status, 3, show(missing));
    assert.match(missing.stderr, /no such model folder\n {2}hint: point to a folder written by jointly/);
    const notModel = jointly('evaluate', dir, join(dir, 'test.csv'));
    assert.equal(notModel.status, 3, show(notModel));
    assert.match(notModel.stderr, /no model\.json in .*: it is not a saved model/);
    const noData = jointly('evaluate', join(runDir, 'model'));
    assert.equal(noData.status, 2, show(noData));
    assert.match(noData.stderr, /needs a model folder and a dataset/);
    const kind = jointly('evaluate', join(runDir, 'model'), join(dir, 'wine.json'));
    assert.equal(kind.status, 2, show(kind));
    assert.match(kind.stderr, /cannot tell what .*wine\.json' is: not a \.csv or \.jsonl file, nor a built-in dataset\n {2}hint: give a CSV file \(\.csv\), a JSON Lines file \(\.jsonl\), or one of mnist, fashion-mnist/);
    const help = jointly('evaluate', '--help');
    assert.equal(help.status, 0, show(help));
    assert.match(help.stdout, /^usage: jointly evaluate <model-dir> <data> \[options\]/);
  });
});
