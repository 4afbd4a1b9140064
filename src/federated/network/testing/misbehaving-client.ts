/**
 * A misbehaving federated client, for end-to-end tests of the server's defences. Run as its
 * own process: `node misbehaving-client.js <url> <client-id> <token> <mode>`, where mode is
 * `wrong-shape` (replies to every fit with a parameter tensor of the wrong shape) or `nan`
 * (replies with NaN weights). It speaks the real protocol otherwise, and exits when the server
 * closes the connection. Not part of the package's API.
 */
import { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/codec.js';
import { FORMAT_VERSION, type Message } from '../../protocol/messages.js';
import { rawDataBytes } from '../raw-data.js';

const [url, clientId, token, mode] = process.argv.slice(2);
if (url === undefined || clientId === undefined || token === undefined || (mode !== 'wrong-shape' && mode !== 'nan')) {
  process.stderr.write('usage: misbehaving-client <url> <client-id> <token> wrong-shape|nan\n');
  process.exit(2);
}

const ws = new WebSocket(url);
const send = (msg: Message): void => ws.send(encodeMessage(msg));
ws.on('open', () => {
  send({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId, token, capabilities: { backend: 'none', numExamples: 100, maxMessageBytes: 1 << 28, jointlyVersion: 'test' } });
});
ws.on('message', (data) => {
  const msg = decodeMessage(rawDataBytes(data as Buffer));
  process.stderr.write(`[${clientId}] received ${msg.type}${msg.type === 'error' ? `: ${msg.code}: ${msg.message}` : ''}\n`);
  if (msg.type === 'welcome') {
    let seq = 0;
    setInterval(() => send({ type: 'heartbeat', seq: seq++, sentAt: Date.now() }), msg.heartbeatSeconds * 1000).unref();
  }
  if (msg.type !== 'fit') return;
  const params = msg.params.map((t, i) => {
    if (mode === 'nan') return { ...t, values: new Float32Array(t.values.length).fill(Number.NaN) };
    // wrong-shape: the first tensor loses its last row.
    if (i > 0) return { ...t, values: t.values.slice() };
    const shape = [...t.shape];
    shape[0] = Math.max(1, shape[0] - 1);
    return { ...t, shape, values: t.values.slice(0, shape.reduce((a, b) => a * b, 1)) };
  });
  send({ type: 'fitReply', round: msg.round, numExamples: 100, metrics: { loss: 1 }, delta: false, params, extras: {}, durationSeconds: 0.1 });
  process.stderr.write(`[${clientId}] sent a ${mode} reply for round ${msg.round}\n`);
});
ws.on('close', (code) => {
  process.stderr.write(`[${clientId}] closed (${code})\n`);
  process.exit(0);
});
ws.on('error', (err) => {
  process.stderr.write(`[${clientId}] error: ${err.message}\n`);
});
