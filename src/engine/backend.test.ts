import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, UnknownNameError } from '../errors.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, selectBackend } from './backend.js';
import { NATIVE_SKIP } from './native/testing.js';

/** What auto picks here: native when its addon is built, else wasm. */
const FASTEST = NATIVE_SKIP === false ? 'native' : 'wasm';
const CLI = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

describe('selectBackend', () => {
  test('an unknown name throws UnknownNameError listing the valid names', async () => {
    await assert.rejects(selectBackend('nope'), (err: unknown) => {
      assert.ok(err instanceof UnknownNameError);
      assert.equal(err.code, 'UNKNOWN_NAME');
      assert.match(err.message, /backend 'nope'/);
      assert.ok(err.hint !== undefined);
      for (const name of ['auto', 'tensorflow', 'native', 'wasm', 'cpu']) assert.ok(err.hint.includes(name), err.hint);
      return true;
    });
    assert.deepEqual([...BACKEND_NAMES], ['auto', 'tensorflow', 'native', 'wasm', 'cpu']);
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

  test(`'auto' picks ${FASTEST} here and says why`, async () => {
    const choice = await selectBackend('auto');
    assert.equal(choice.name, FASTEST);
    assert.equal(tf.getBackend(), FASTEST);
    // the reason names the faster backends that could not be used, and the choice
    assert.match(choice.reason, /tfjs-node/);
    assert.match(choice.reason, new RegExp(FASTEST));
    if (FASTEST === 'wasm') assert.match(choice.reason, /native cannot be used \(.*apt-get install -y libdnnl-dev libopenblas-dev/);
  });

  test('the default is auto', async () => {
    await selectBackend('cpu');
    const choice = await selectBackend();
    assert.equal(choice.name, FASTEST);
    assert.equal(tf.getBackend(), FASTEST);
  });

  test("without the addon, 'auto' falls back to wasm with one line saying why and how to get native; 'native' exits 6 with the fix", () => {
    // JOINTLY_NATIVE=0 makes the loader behave as if the addon were not built.
    const env = { ...process.env, JOINTLY_NATIVE: '0' };
    const info = spawnSync(process.execPath, [CLI, 'info'], { encoding: 'utf8', env });
    assert.equal(info.status, 0, info.stderr);
    const line = info.stdout.split('\n').find((l) => l.startsWith('backend:'));
    assert.match(line ?? '', /^backend: wasm \(.*native cannot be used \(it is disabled by JOINTLY_NATIVE=0; to get it: apt-get install -y libdnnl-dev libopenblas-dev, then npm run build:native\)/);
    const native = spawnSync(process.execPath, [CLI, 'info', '--backend', 'native'], { encoding: 'utf8', env });
    assert.equal(native.status, 6, native.stderr);
    assert.match(native.stderr, /error \[BACKEND_UNAVAILABLE\]: the native backend is unavailable: it is disabled by JOINTLY_NATIVE=0/);
    assert.match(native.stderr, /hint: to get it: apt-get install -y libdnnl-dev libopenblas-dev, then npm run build:native/);
  });

  test('an unknown JOINTLY_GEMM makes native unavailable with that setting as the fix, not the libraries', { skip: NATIVE_SKIP }, () => {
    const env = { ...process.env, JOINTLY_GEMM: 'mkl' };
    const info = spawnSync(process.execPath, [CLI, 'info'], { encoding: 'utf8', env });
    assert.equal(info.status, 0, info.stderr);
    const line = info.stdout.split('\n').find((l) => l.startsWith('backend:'));
    assert.match(line ?? '', /native cannot be used \(JOINTLY_GEMM is 'mkl'; to get it: set JOINTLY_GEMM to onednn or openblas, or unset it\)/);
    const native = spawnSync(process.execPath, [CLI, 'info', '--backend', 'native'], { encoding: 'utf8', env });
    assert.equal(native.status, 6, native.stderr);
    assert.match(native.stderr, /the native backend is unavailable: JOINTLY_GEMM is 'mkl'/);
    assert.match(native.stderr, /hint: to get it: set JOINTLY_GEMM to onednn or openblas, or unset it; or use --backend wasm/);
    assert.doesNotMatch(native.stderr, /apt-get/);
  });

  test("'native' activates it on request, and computes", { skip: NATIVE_SKIP }, async () => {
    const choice = await selectBackend('native');
    assert.deepEqual(choice, { name: 'native', reason: 'requested' });
    assert.equal(tf.getBackend(), 'native');
    const y = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).dataSync()));
    assert.deepEqual(y, [1, 2, 3, 4]);
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
