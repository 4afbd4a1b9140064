/**
 * A networked run (runServer on loopback, two clients in this process) saves its final and best
 * global models in the run folder, and says where in its log; a resumed run with no rounds left
 * saves the same final model again. Evaluating a saved model on the server's evaluation set gives
 * the accuracy the server reported for that round.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Dataset } from '../../data/dataset.js';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { evaluateSavedModel, loadSavedModel } from '../../engine/model-io.js';
import { createRng } from '../../engine/random.js';
import { tempDirFactory } from '../../engine/testing.js';
import { openRunFolder } from '../../report/run-folder.js';
import { joinFederation } from '../api/join-federation.js';
import { addClient, emptyTokenFile, saveTokenFile } from '../auth/tokens.js';
import { FederatedConfigSchema } from '../config.js';
import { runServer } from './run-server.js';

const tempDir = tempDirFactory('jointly-server-models-');
const CLASSES = ['ash', 'elm', 'oak'];

/** Three classes in 4 named dimensions, text labels. */
function site(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < 4; j++) features[i * 4 + j] = (j === labels[i] ? 1.5 : 0) + (rng.next() - 0.5) * 2;
  }
  return { features, sampleShape: [4], labels, numClasses: 3, classNames: CLASSES, featureNames: ['h', 'w', 'd', 'g'] };
}

before(async () => {
  await selectBackend('cpu');
});

test('runServer saves model/ and best-model/; their evaluation reproduces the reported accuracy; a resume saves the final model again', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  let tokens = emptyTokenFile();
  const issued: Record<string, string> = {};
  for (const id of ['site-a', 'site-b']) {
    const added = addClient(tokens, id);
    tokens = added.file;
    issued[id] = added.token;
  }
  saveTokenFile(join(dir, 'tokens.json'), tokens);
  const config = FederatedConfigSchema.parse({
    mode: 'federated',
    backend: 'cpu',
    model: { type: 'mlp', hidden: [8] },
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
    strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
    rounds: 3,
    sampling: { minFit: 2, minAvailable: 2, roundTimeoutSeconds: 30 },
    server: { port: 0, tokens: join(dir, 'tokens.json') },
    output: { saveBest: true },
  });
  const evaluation = site(90, 9);
  const folder = openRunFolder(join(dir, 'run'));
  const lines: string[] = [];
  let onListening: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => {
    onListening = resolve;
  });
  const served = runServer({ config, folder, resume: false, signal: new AbortController().signal, log: (l) => lines.push(l), evaluation, onListening: (u) => onListening(u) });
  const url = await listening;
  await Promise.all([
    joinFederation({ url, clientId: 'site-a', token: issued['site-a'], train: site(120, 1), backend: 'cpu' }),
    joinFederation({ url, clientId: 'site-b', token: issued['site-b'], train: site(120, 2), backend: 'cpu' }),
  ]);
  const { result, models } = await served;
  const last = result.history[result.history.length - 1];
  const best = result.history.reduce((b, r) => ((r.evaluation?.accuracy as number) > (b.evaluation?.accuracy as number) ? r : b));
  assert.deepEqual(models, {
    final: { path: join(folder.dir, 'model'), round: 3, accuracy: last.evaluation?.accuracy },
    best: { path: join(folder.dir, 'best-model'), round: best.round, accuracy: best.evaluation?.accuracy },
  });
  assert.ok(lines.some((l) => /^global model of round 3 \(test accuracy \d+\.\d\d%\) saved to .*run\/model$/.test(l)), lines.join('\n'));
  const final = await evaluateSavedModel(join(folder.dir, 'model'), evaluation);
  assert.ok(Math.abs(final.accuracy - (last.evaluation?.accuracy as number)) <= 1e-6, `${final.accuracy} vs ${last.evaluation?.accuracy}`);
  assert.deepEqual(final.classes.map((c) => c.name), CLASSES);
  const bestEval = await evaluateSavedModel(join(folder.dir, 'best-model'), evaluation);
  assert.ok(Math.abs(bestEval.accuracy - (best.evaluation?.accuracy as number)) <= 1e-6, `${bestEval.accuracy} vs ${best.evaluation?.accuracy}`);

  // Resumed with every round done: no client is needed, and the final model is the checkpoint's.
  const again = await runServer({ config, folder, resume: true, signal: new AbortController().signal, log: () => undefined, evaluation });
  assert.deepEqual(again.models.final, models.final);
  assert.deepEqual(again.models.best, models.best, 'the best round is found again from the saved best model and the restored history');
  const saved = await loadSavedModel(join(folder.dir, 'model'));
  assert.deepEqual(readParams(saved.named.model), result.params);
  saved.named.model.dispose();
});
