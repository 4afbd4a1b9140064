import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, UnknownNameError } from '../errors.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';

describe('selectBackend', () => {
  test('an unknown name throws UnknownNameError listing the valid names', async () => {
    await assert.rejects(selectBackend('nope'), (err: unknown) => {
      assert.ok(err instanceof UnknownNameError);
      assert.equal(err.code, 'UNKNOWN_NAME');
      assert.match(err.message, /backend 'nope'/);
      assert.ok(err.hint !== undefined);
      for (const name of ['auto', 'tensorflow', 'wasm', 'cpu']) assert.ok(err.hint.includes(name), err.hint);
      return true;
    });
    assert.deepEqual([...BACKEND_NAMES], ['auto', 'tensorflow', 'wasm', 'cpu']);
  });

  test("'tensorflow' throws BackendUnavailableError with a hint when tfjs-node is not installed", async () => {
    await assert.rejects(selectBackend('tensorflow'), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.code, 'BACKEND_UNAVAILABLE');
      assert.match(err.message, /@tensorflow\/tfjs-node cannot be loaded/);
      assert.ok(err.hint !== undefined && /npm install @tensorflow\/tfjs-node/.test(err.hint) && /--backend wasm/.test(err.hint), err.hint);
      return true;
    });
  });

  test("'auto' picks wasm here and says why", async () => {
    const choice = await selectBackend('auto');
    assert.equal(choice.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    // the reason names the faster backend that could not be used, and the choice
    assert.match(choice.reason, /tfjs-node/);
    assert.match(choice.reason, /wasm/);
  });

  test('the default is auto', async () => {
    await selectBackend('cpu');
    const choice = await selectBackend();
    assert.equal(choice.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  for (const name of ['cpu', 'wasm'] as const) {
    test(`'${name}' activates it on request`, async () => {
      const choice = await selectBackend(name);
      assert.deepEqual(choice, { name, reason: 'requested' });
      assert.equal(tf.getBackend(), name);
      const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
      assert.equal(sum, 6);
    });
  }

  test('switching back and forth keeps working (wasm kernels registered once)', async () => {
    for (const name of ['wasm', 'cpu', 'wasm'] as const) {
      await selectBackend(name);
      assert.equal(tf.getBackend(), name);
    }
  });
});
