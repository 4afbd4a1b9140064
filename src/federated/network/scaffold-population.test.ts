/**
 * SCAFFOLD's client population N on a networked server: the clients registered and not revoked in
 * the token file, not the clients seen since the process started, so the server control's step
 * (|S|/N)·mean(Δcᵢ) is the same in a run and in its `--resume`. Five clients are registered, one
 * revoked (N = 4); two raw protocol clients connect and answer every round with Δcᵢ = 1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { openRunFolder } from '../../report/run-folder.js';
import { revokeClient, saveTokenFile } from '../auth/tokens.js';
import { FederatedConfigSchema } from '../config.js';
import { readCheckpointFile } from '../server/checkpoint-file.js';
import { CHECKPOINT_FILE, runServer } from './run-server.js';
import { echoReply, RawClient, registerClients, tinyDataset } from './testing.js';

const tempDir = tempDirFactory('jointly-scaffold-n-');

before(async () => {
  await selectBackend('cpu');
});

/** Runs the server to `rounds` with clients `a` and `b` answering Δcᵢ = 1; returns the server control each round's fit carried. */
async function serve(dir: string, tokensPath: string, tokens: Record<string, string>, rounds: number, resume: boolean): Promise<number[][]> {
  const config = FederatedConfigSchema.parse({
    mode: 'federated',
    name: 'scaffold-n',
    backend: 'cpu',
    model: { type: 'mlp', hidden: [4] },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
    strategy: { name: 'scaffold', localEpochs: 1, batchSize: 10 },
    rounds,
    sampling: { fraction: 1, minFit: 2, minAvailable: 2, roundTimeoutSeconds: 30 },
    server: { host: '127.0.0.1', port: 0, tokens: tokensPath, heartbeatSeconds: 60 },
  });
  const sent: number[][] = [];
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const running = runServer({ config, folder: openRunFolder(dir), resume, signal: new AbortController().signal, log: () => undefined, onListening: listening, evaluation: tinyDataset(20, 3) });
  const clients = await Promise.all(['a', 'b'].map(async (id) => RawClient.join(await url, id, tokens[id])));
  // Each client answers every fit (queued or to come) until its connection closes.
  const answering = clients.map(async (c, k) => {
    for (;;) {
      const fit = await c.next('fit', 60_000).catch(() => undefined);
      if (fit === undefined) return;
      if (k === 0) sent.push(Array.from(new Set(fit.extras.serverControl)));
      c.send({ ...echoReply(fit), extras: { controlDelta: new Float32Array(fit.extras.serverControl.length).fill(1) } });
    }
  });
  try {
    const { result } = await running;
    assert.equal(result.round, rounds);
    assert.ok(result.history.every((h) => h.refused === undefined && h.replied.length === 2), JSON.stringify(result.history.map((h) => h.refused ?? h.failures)));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(answering);
  }
  return sent;
}

describe('SCAFFOLD on a networked server', () => {
  it('takes N from the token file (registered, not revoked), also after --resume', async () => {
    const dir = tempDir();
    const tokensPath = join(dir, 'tokens.json');
    const { file, tokens } = registerClients(['a', 'b', 'c', 'd', 'e']);
    saveTokenFile(tokensPath, revokeClient(file, 'e'));
    const runDir = join(dir, 'run');

    const first = await serve(runDir, tokensPath, tokens, 1, false);
    const afterOne = readCheckpointFile<unknown>(join(runDir, CHECKPOINT_FILE)).vectors['strategy/serverControl'];
    const resumed = await serve(runDir, tokensPath, tokens, 2, true);
    const afterTwo = readCheckpointFile<unknown>(join(runDir, CHECKPOINT_FILE)).vectors['strategy/serverControl'];

    // Round 1 starts from c = 0; each round adds (|S|/N)·mean(Δcᵢ) = (2/4)·1 = 0.5 (with N = 2, the
    // clients seen, it would add 1).
    assert.deepEqual(first, [[0]]);
    assert.deepEqual(Array.from(new Set(afterOne)), [0.5]);
    assert.deepEqual(resumed, [[0.5]], 'the resumed server sends the checkpointed c');
    assert.deepEqual(Array.from(new Set(afterTwo)), [1]);
  });
});
