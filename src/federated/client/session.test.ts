/**
 * The client session without any transport: messages in, outcomes out, every reply a valid
 * protocol message (it survives the codec). This is the part a browser client reuses.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { AuthRefusedError, ShapeMismatchError } from '../../errors.js';
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
  assert.deepEqual(hello, { type: 'hello', protocolVersion: FORMAT_VERSION, clientId: 'site-a', token: 'secret', capabilities: { backend: 'cpu', maxMessageBytes: 1 << 20, jointlyVersion: 'test', numExamples: 20, data: { inputShape: [3], maxLabel: 1 } } });

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

test("a session maps its text labels through the federation's classes, and leaves with a typed error when its data does not fit", async () => {
  const named = { ...tinyDataset(6, 4), classNames: ['no', 'yes'] };
  const task = { ...TINY_TASK, numClasses: 3, classNames: ['maybe', 'no', 'yes'] };
  const session = new ClientSession({ clientId: 'site-c', train: named, log: () => undefined });
  const welcomed = await session.handle({ type: 'welcome', runId: 'run-1', task, heartbeatSeconds: 5, maxMessageBytes: 1 << 20 });
  assert.equal(welcomed.kind, 'welcomed');
  session.dispose();

  const narrow = new ClientSession({ clientId: 'site-d', train: { ...tinyDataset(6, 4), features: new Float32Array(12), sampleShape: [2] }, log: () => undefined });
  const misfit = await narrow.handle({ type: 'welcome', runId: 'run-1', task: TINY_TASK, heartbeatSeconds: 5, maxMessageBytes: 1 << 20 });
  assert.equal(misfit.kind, 'misfit');
  const { error, message } = misfit as Extract<SessionOutcome, { kind: 'misfit' }>;
  assert.ok(error instanceof ShapeMismatchError);
  assert.match(error.message, /2 features per sample but the federation expects 3/);
  assert.equal(message.type, 'bye');
  // Nothing to train with: a fit after the refusal is an error, not a silent run on misfit data.
  const fit = await narrow.handle({ type: 'fit', round: 1, config: { localEpochs: 1, batchSize: 4 }, params: [], extras: {} });
  assert.match((replyOf(fit) as Extract<Message, { type: 'error' }>).message, /before the welcome/);
  narrow.dispose();
});

test('a session keeps its client algorithms\' state between rounds (SCAFFOLD\'s cᵢ), without knowing what it is', async () => {
  const { layout, params } = tinyModel();
  const welcome: Message = { type: 'welcome', runId: 'run-s', task: TINY_TASK, heartbeatSeconds: 5, maxMessageBytes: 1 << 20 };
  const fit = (round: number): Message => ({
    type: 'fit',
    round,
    config: { localEpochs: 1, batchSize: 10, scaffold: true },
    params: packParams(layout, params),
    extras: { serverControl: new Float32Array(params.length).fill(0.05) },
  });
  const delta = async (session: ClientSession, round: number): Promise<Float32Array> => {
    const reply = replyOf(await session.handle(fit(round)));
    assert.equal(reply.type, 'fitReply', JSON.stringify(reply));
    return (reply as Extract<Message, { type: 'fitReply' }>).extras.controlDelta;
  };
  const kept = new ClientSession({ clientId: 'site-s', train: tinyDataset(20, 1), log: () => undefined });
  const fresh = new ClientSession({ clientId: 'site-s', train: tinyDataset(20, 1), log: () => undefined });
  await kept.handle(welcome);
  await fresh.handle(welcome);

  const first = await delta(kept, 1);
  const second = await delta(kept, 2);
  const secondFromZero = await delta(fresh, 2);

  // The same round from cᵢ = 0 gives the first round's Δcᵢ; from the kept cᵢ⁺ another one.
  assert.deepEqual(secondFromZero, first);
  assert.notDeepEqual(second, secondFromZero);
  kept.dispose();
  fresh.dispose();
});

test('a session answers a challenge with its key, over its own id and the challenge\'s run, server and nonce; without a key it stops', async () => {
  const { generateClientKeys, newNonce, verifyChallenge } = await import('../auth/challenge.js');
  const keys = await generateClientKeys();
  const session = new ClientSession({ clientId: 'site-k', train: tinyDataset(20, 1), privateKey: keys.privateKey, log: () => undefined });
  const nonce = newNonce();

  const hello = session.hello(undefined, { backend: 'cpu', maxMessageBytes: 1 << 20, jointlyVersion: 'test' });
  const answer = replyOf(await session.handle({ type: 'challenge', nonce, runId: 'run-9', server: 'wss://s:1', algorithm: 'Ed25519' }));

  assert.equal('token' in hello, false, 'a key client sends no token');
  assert.equal(answer.type, 'challengeAnswer');
  const a = answer as Extract<Message, { type: 'challengeAnswer' }>;
  assert.equal(a.nonce, nonce);
  assert.equal(await verifyChallenge(keys.publicKey, { runId: 'run-9', server: 'wss://s:1', clientId: 'site-k', nonce }, a.signature), true);
  assert.equal(await verifyChallenge(keys.publicKey, { runId: 'run-9', server: 'wss://s:1', clientId: 'site-x', nonce }, a.signature), false);

  const keyless = new ClientSession({ clientId: 'site-t', train: tinyDataset(20, 1), log: () => undefined });
  const outcome = await keyless.handle({ type: 'challenge', nonce, runId: 'run-9', server: 'wss://s:1', algorithm: 'Ed25519' });
  assert.equal(outcome.kind, 'refused');
  assert.ok(outcome.kind === 'refused' && outcome.error instanceof AuthRefusedError && /has no key/.test(outcome.error.message));
  session.dispose();
  keyless.dispose();
});
