/**
 * The code-first federated API: a federation with a user's own tfjs model and each client's data
 * given in code, run as a simulation, and served to clients that join with a few lines.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { createRng } from '../../engine/random.js';
import { tempDirFactory } from '../../engine/testing.js';
import type { Dataset } from '../../data/dataset.js';
import { ShapeMismatchError } from '../../errors.js';
import { addClient, emptyTokenFile, saveTokenFile } from '../auth/tokens.js';
import { standardNormal } from '../partition/normal.js';
import { federationConfig } from './federation.js';
import { joinFederation } from './join-federation.js';
import { serveFederation } from './serve-federation.js';
import { simulateFederation } from './simulate-federation.js';

const tempDir = tempDirFactory('jointly-fed-api-');
const CLASSES = ['cat', 'dog', 'emu'];

/** Three Gaussian classes in 4 dimensions, text labels; `without` drops a class (the file then numbers its own). */
function site(n: number, seed: number, without?: string): Dataset {
  const rng = createRng(seed);
  const rows: { x: number[]; y: string }[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    if (CLASSES[k] === without) continue;
    rows.push({ x: [k === 1 ? 2 : 0, k === 2 ? 2 : 0, 0.5, -0.5].map((c) => c + 0.8 * standardNormal(rng)), y: CLASSES[k] });
  }
  const names = [...new Set(rows.map((r) => r.y))].sort();
  return {
    features: Float32Array.from(rows.flatMap((r) => r.x)),
    sampleShape: [4],
    labels: Int32Array.from(rows, (r) => names.indexOf(r.y)),
    numClasses: names.length,
    classNames: names,
    featureNames: ['a', 'b', 'c', 'd'],
  };
}

function userModel(): tfl.LayersModel {
  // Seeded initial weights: the test is deterministic (unseeded ones made its accuracy vary from run to run).
  return tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 12, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 11 }) }), tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 12 }) })] });
}

before(async () => {
  await selectBackend('cpu');
});

test('a federation of a tfjs model with each client\'s own data runs as a simulation, from the model\'s own weights', { timeout: 120_000 }, async () => {
  const model = userModel();
  const initial = readParams(model);

  const result = await simulateFederation({
    model,
    strategy: { name: 'fedavg', localEpochs: 2, batchSize: 16 },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
    rounds: 3,
    backend: 'cpu',
    workers: 1,
    sampling: { minFit: 3, minAvailable: 3 },
    clients: { 'site-a': site(90, 1), 'site-b': site(90, 2, 'cat'), 'site-c': site(90, 3) },
    test: site(150, 9),
  });

  assert.deepEqual(result.clientIds, ['site-a', 'site-b', 'site-c']);
  assert.deepEqual(result.task.classNames, CLASSES);
  assert.equal(result.task.model.type, 'layers');
  assert.deepEqual(result.clientSizes, [90, 60, 90]);
  // The histogram shows site b's classes at the federation's indices: no 'cat' (index 0).
  assert.deepEqual(result.histograms[1], [0, 30, 30]);
  const last = result.federated.history[result.federated.history.length - 1];
  assert.equal(last.replied.length, 3);
  assert.ok((last.evaluation?.accuracy ?? 0) > 0.8, `accuracy ${last.evaluation?.accuracy}`);
  assert.ok(result.baselines.pooled !== undefined && result.baselines.localOnly !== undefined);
  // Round 1 started from the user's weights: the checksum of the initial parameters is the model's.
  assert.deepEqual(readParams(model), initial, 'the user\'s model is not modified');
  model.dispose();
});

test('a definition with a bad field names it; a model that does not fit the data is refused', async () => {
  assert.throws(() => federationConfig({ model: { type: 'mlp', hidden: [8] }, rounds: 0 }), /rounds/);
  const wide = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [5], units: 3 })] });
  await assert.rejects(
    simulateFederation({ model: wide, rounds: 1, backend: 'cpu', workers: 1, clients: { a: site(30, 1), b: site(30, 2) }, test: site(30, 3) }),
    (e: unknown) => e instanceof ShapeMismatchError && /reads samples of shape \[5\], the data's are \[4\]/.test(e.message),
  );
  wide.dispose();
});

test('a served federation trains with clients that join in a few lines; a client whose data does not fit is refused', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  let tokens = emptyTokenFile();
  const issued: Record<string, string> = {};
  for (const id of ['site-a', 'site-b', 'site-x']) {
    const added = addClient(tokens, id);
    tokens = added.file;
    issued[id] = added.token;
  }
  saveTokenFile(join(dir, 'tokens.json'), tokens);
  let onListening: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => {
    onListening = resolve;
  });
  const served = serveFederation({
    model: { type: 'mlp', hidden: [12] },
    strategy: { name: 'fedavg', localEpochs: 2, batchSize: 16 },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
    rounds: 2,
    sampling: { minFit: 2, minAvailable: 2, roundTimeoutSeconds: 30 },
    test: site(150, 9),
    tokens: join(dir, 'tokens.json'),
    folder: join(dir, 'run'),
    port: 0,
    onListening: (u) => onListening(u),
  });
  const url = await listening;

  const misfit = { ...site(30, 5), features: new Float32Array(30 * 3), sampleShape: [3], featureNames: undefined };
  await assert.rejects(joinFederation({ url, clientId: 'site-x', token: issued['site-x'], train: misfit, backend: 'cpu', maxRetries: 0 }), (e: unknown) => e instanceof ShapeMismatchError);
  const exits = await Promise.all([
    joinFederation({ url, clientId: 'site-a', token: issued['site-a'], train: site(90, 1), backend: 'cpu' }),
    joinFederation({ url, clientId: 'site-b', token: issued['site-b'], train: site(90, 2, 'cat'), backend: 'cpu' }),
  ]);
  const { result, task, evaluationRows } = await served;

  assert.deepEqual(exits.map((e) => e.reason), ['finished', 'finished']);
  assert.deepEqual(task.classNames, CLASSES);
  assert.equal(evaluationRows, 150);
  assert.equal(result.history.length, 2);
  assert.ok((result.history[1].evaluation?.accuracy ?? 0) > 0.7, `accuracy ${result.history[1].evaluation?.accuracy}`);
});
