/**
 * The client session without any transport: messages in, outcomes out, every reply a valid
 * protocol message (it survives the codec). This is the part a browser client reuses.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { AuthRefusedError } from '../../errors.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { FORMAT_VERSION, type Message } from '../protocol/messages.js';
import { packParams, unpackParams } from '../protocol/tensors.js';
import { TINY_TASK, tinyDataset, tinyModel } from '../network/testing.js';
import { ClientSession, type SessionOutcome } from './session.js';

before(async () => {
  await selectBackend('cpu');
});

/** The outcome's reply, after a round trip through the binary codec. */
function replyOf(outcome: SessionOutcome): Message {
  assert.equal(outcome.kind, 'reply', JSON.stringify(outcome));
  return decodeMessage(encodeMessage((outcome as Extract<SessionOutcome, { kind: 'reply' }>).message));
}

test('a session joins, trains, evaluates and says goodbye, through messages only', async () => {
  const log: string[] = [];
  const session = new ClientSession({ clientId: 'site-a', train: tinyDataset(20, 1), test: tinyDataset(10, 2), log: (l) => log.push(l) });
  const hello = session.hello('secret', { backend: 'cpu', maxMessageBytes: 1 << 20, jointlyVersion: 'test' });
  assert.deepEqual(hello, { type: 'hello', protocolVersion: FORMAT_VERSION, clientId: 'site-a', token: 'secret', capabilities: { backend: 'cpu', maxMessageBytes: 1 << 20, jointlyVersion: 'test', numExamples: 20 } });

  // work before the welcome is answered with an error, not a throw
  const { layout, params } = tinyModel();
  const early = replyOf(await session.handle({ type: 'fit', round: 1, config: { localEpochs: 1, batchSize: 10 }, params: packParams(layout, params), extras: {} }));
  assert.equal(early.type, 'error');
  assert.match((early as Extract<Message, { type: 'error' }>).message, /before the welcome/);

  assert.deepEqual(await session.handle({ type: 'welcome', runId: 'run-1', task: TINY_TASK, heartbeatSeconds: 5, maxMessageBytes: 1 << 20 }), { kind: 'welcomed', heartbeatSeconds: 5 });
  const tensors = tf.memory().numTensors;
  const fit = replyOf(await session.handle({ type: 'fit', round: 1, config: { localEpochs: 2, batchSize: 10 }, params: packParams(layout, params), extras: {} }));
  assert.equal(fit.type, 'fitReply');
  const reply = fit as Extract<Message, { type: 'fitReply' }>;
  assert.equal(reply.round, 1);
  assert.equal(reply.numExamples, 20);
  const trained = unpackParams(reply.params, layout);
  assert.equal(trained.length, params.length);
  assert.ok(trained.some((v, i) => v !== params[i]), 'training moved the parameters');
  const evaluation = replyOf(await session.handle({ type: 'evaluate', round: 1, config: {}, params: packParams(layout, trained) }));
  assert.equal(evaluation.type, 'evaluateReply');
  assert.equal((evaluation as Extract<Message, { type: 'evaluateReply' }>).numExamples, 10);
  assert.equal(tf.memory().numTensors, tensors, 'rounds leave no tensors behind');

  assert.deepEqual(await session.handle({ type: 'heartbeat', seq: 1, sentAt: 0 }), { kind: 'none' });
  const wrongWay = replyOf(await session.handle(hello));
  assert.match((wrongWay as Extract<Message, { type: 'error' }>).message, /a server may not send 'hello' messages/);
  assert.deepEqual(await session.handle({ type: 'bye', reason: 'run finished' }), { kind: 'bye', reason: 'run finished' });
  assert.ok(log.some((l) => l.startsWith('joined run run-1')));
  session.dispose();
});

test('a refusal becomes the typed error of its code', async () => {
  const session = new ClientSession({ clientId: 'site-b', train: tinyDataset(5, 3), log: () => undefined });
  const outcome = await session.handle({ type: 'refuse', code: 'auth', reason: 'token does not match' });
  assert.equal(outcome.kind, 'refused');
  assert.ok((outcome as Extract<SessionOutcome, { kind: 'refused' }>).error instanceof AuthRefusedError);
  session.dispose();
});
