/**
 * A mutual-learning experiment saves every trained member with the schema of its training data
 * (class names in index order, feature names), so that a saved member can be evaluated on a
 * file with text labels and its columns in another order. Tiny: 120 CSV rows, 2 epochs.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../engine/backend.js';
import { datasetSource } from '../engine/batch.js';
import { evaluate } from '../engine/evaluate.js';
import { evaluateSavedModel, loadSavedModel } from '../engine/model-io.js';
import { createMember } from '../engine/member.js';
import { createOptimizer } from '../engine/optimizer.js';
import { loadCsv } from '../data/files/tabular-files.js';
import { openRunFolder } from '../report/run-folder.js';
import { tempDirFactory } from '../engine/testing.js';
import { runMutualExperiment } from './experiment.js';

const tempDir = tempDirFactory('jointly-experiment-');

before(async () => {
  await selectBackend('cpu');
});

function writeCsv(path: string, order: number[]): void {
  const names = ['u', 'v', 'w'];
  const lines = [[...order.map((j) => names[j]), 'label'].join(',')];
  for (let i = 0; i < 120; i++) {
    const y = i % 2;
    const values = names.map((_, j) => ((j === y ? 1 : 0) + Math.sin(i * 3 + j)).toFixed(3));
    lines.push([...order.map((j) => values[j]), y === 0 ? 'spam' : 'ham'].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

test('saved members carry their training data\'s schema and evaluate on a file with shuffled columns', async () => {
  const dir = tempDir();
  const data = join(dir, 'mail.csv');
  const shuffled = join(dir, 'mail-shuffled.csv');
  writeCsv(data, [0, 1, 2]);
  writeCsv(shuffled, [2, 0, 1]);
  const run = await runMutualExperiment(
    {
      mode: 'mutual',
      seeds: [0],
      data: { dataset: 'csv', train: data, validationFraction: 0 },
      models: [
        { type: 'mlp', hidden: [4] },
        { type: 'mlp', hidden: [4] },
      ],
      method: { name: 'dml' },
      training: { epochs: 2, batchSize: 32 },
      output: { dir, saveModels: true },
    },
    { backend: 'cpu', runDir: openRunFolder(join(dir, 'run')) },
  );
  const member = join(run.runDir, 'models', 'seed-0', 'joint', 'mlp-1');
  const saved = await loadSavedModel(member);
  const { pipeline, ...schema } = saved.schema ?? {};
  assert.deepEqual(schema, { inputShape: [3], featureNames: ['u', 'v', 'w'], numClasses: 2, classNames: ['ham', 'spam'] });
  assert.equal(pipeline?.columns?.length, 3, 'the feature pipeline is saved with the model');
  // The member's numbers on the whole file, from the engine's evaluate() and from the saved model on the shuffled file.
  const m = createMember({ name: 'm', ...saved.named, optimizer: createOptimizer({ name: 'sgd' }) });
  const reference = evaluate({ members: [m], data: datasetSource(loadCsv(data)) }).members[0];
  saved.named.model.dispose();
  m.optimizer.dispose();
  const r = await evaluateSavedModel(member, shuffled);
  assert.equal(r.accuracy, reference.accuracy);
  assert.deepEqual(r.classes.map((c) => [c.name, c.rows]), [['ham', 60], ['spam', 60]]);
  const alone = await loadSavedModel(join(run.runDir, 'models', 'seed-0', 'alone', 'mlp-2'));
  assert.deepEqual(alone.schema?.classNames, ['ham', 'spam']);
  alone.named.model.dispose();
});
