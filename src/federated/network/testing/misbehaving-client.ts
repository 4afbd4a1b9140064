/**
 * A misbehaving federated client, for end-to-end tests of the server's defences. Run as its
 * own process: `node misbehaving-client.js <url> <client-id> <token> <mode>`, where mode is
 * - `wrong-shape`: replies to every fit with a parameter tensor of the wrong shape;
 * - `nan`: replies with NaN weights;
 * - `huge`: replies with parameters of 1e30 (finite, so they pass validation);
 * - `huge-delta`: replies with an update (delta) of 3e38 (global + 3e38 is still finite in float32);
 * - `claims`: declares 10,000,000 examples at hello and claims them in every reply, with an
 *   honest-looking update (the global parameters sent back unchanged, the model-freezing attack)
 *   and evaluate replies claiming accuracy 1 over the 10,000,000 examples.
 * It speaks the real protocol otherwise (the other modes do not answer evaluate requests), and
 * exits when the server closes the connection. Not part of the package's API.
 */
import { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/codec.js';
import { FORMAT_VERSION, type Message } from '../../protocol/messages.js';
import type { NamedTensor } from '../../protocol/tensors.js';
import { rawDataBytes } from '../raw-data.js';

const MODES = ['wrong-shape', 'nan', 'huge', 'huge-delta', 'claims'] as const;
type Mode = (typeof MODES)[number];
const isMode = (m: string | undefined): m is Mode => (MODES as readonly (string | undefined)[]).includes(m);

/** The example count of the `claims` mode: declared at hello, claimed in every reply. */
const CLAIMED = 10_000_000;

const [url, clientId, token, mode] = process.argv.slice(2);
if (url === undefined || clientId === undefined || token === undefined || !isMode(mode)) {
  process.stderr.write(`usage: misbehaving-client <url> <client-id> <token> ${MODES.join('|')}\n`);
  process.exit(2);
}
const numExamples = mode === 'claims' ? CLAIMED : 100;

/** The parameters (or update) a fit reply of this mode carries. */
function poisoned(params: readonly NamedTensor[]): NamedTensor[] {
  return params.map((t, i) => {
    const filled = (v: number): NamedTensor => ({ ...t, values: new Float32Array(t.values.length).fill(v) });
    if (mode === 'nan') return filled(Number.NaN);
    if (mode === 'huge') return filled(1e30);
    if (mode === 'huge-delta') return filled(3e38);
    if (mode === 'claims') return { ...t, values: t.values.slice() };
    // wrong-shape: the first tensor loses its last row.
    if (i > 0) return { ...t, values: t.values.slice() };
    const shape = [...t.shape];
    shape[0] = Math.max(1, shape[0] - 1);
    return { ...t, shape, values: t.values.slice(0, shape.reduce((a, b) => a * b, 1)) };
  });
}

const ws = new WebSocket(url);
const send = (msg: Message): void => ws.send(encodeMessage(msg));
ws.on('open', () => {
  send({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId, token, capabilities: { backend: 'none', numExamples, maxMessageBytes: 1 << 28, jointlyVersion: 'test' } });
});
ws.on('message', (data) => {
  const msg = decodeMessage(rawDataBytes(data as Buffer));
  process.stderr.write(`[${clientId}] received ${msg.type}${msg.type === 'error' ? `: ${msg.code}: ${msg.message}` : ''}\n`);
  if (msg.type === 'welcome') {
    let seq = 0;
    setInterval(() => send({ type: 'heartbeat', seq: seq++, sentAt: Date.now() }), msg.heartbeatSeconds * 1000).unref();
  }
  if (msg.type === 'evaluate' && mode === 'claims') {
    send({ type: 'evaluateReply', round: msg.round, numExamples: CLAIMED, metrics: { loss: 0, accuracy: 1 } });
    process.stderr.write(`[${clientId}] sent a ${mode} evaluation for round ${msg.round}\n`);
  }
  if (msg.type !== 'fit') return;
  const delta = mode === 'huge-delta';
  send({ type: 'fitReply', round: msg.round, numExamples, metrics: { loss: 0.1 }, delta, params: poisoned(msg.params), extras: {}, durationSeconds: 0.1 });
  process.stderr.write(`[${clientId}] sent a ${mode} reply for round ${msg.round}\n`);
});
ws.on('close', (code) => {
  process.stderr.write(`[${clientId}] closed (${code})\n`);
  process.exit(0);
});
ws.on('error', (err) => {
  process.stderr.write(`[${clientId}] error: ${err.message}\n`);
});
