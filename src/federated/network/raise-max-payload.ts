/**
 * Raises the largest message one WebSocket connection accepts, after its hello succeeded.
 * The server listens with a small `maxPayload` (server.maxHelloKiB) so that an
 * unauthenticated peer cannot make it buffer a large frame; an authenticated client then gets
 * the configured maximum (server.maxMessageMiB). `ws` has no public API for a per-connection
 * limit, so this sets its receiver's limit, which `ws` checks against every frame's declared
 * length and every message's total (receiver.js, `haveLength` and `controlMessage`/`dataMessage`).
 * `ws` is pinned to an exact version; `checkRaisable` fails loudly if its internals change, and
 * a test sends a message above the hello limit after hello.
 */
import type { WebSocket } from 'ws';

interface ReceiverInternals {
  _receiver?: { _maxPayload?: unknown };
}

/** Throws if this `ws` version does not keep the receiver's limit where `raiseMaxPayload` sets it. */
export function checkRaisable(ws: WebSocket): void {
  const receiver = (ws as unknown as ReceiverInternals)._receiver;
  if (receiver === undefined || typeof receiver._maxPayload !== 'number') {
    throw new Error('this version of the ws package keeps no per-connection maxPayload in _receiver._maxPayload: raiseMaxPayload needs updating (this is a bug)');
  }
}

/** Sets the largest message `ws` accepts on this connection, in bytes. */
export function raiseMaxPayload(ws: WebSocket, bytes: number): void {
  checkRaisable(ws);
  const receiver = (ws as unknown as ReceiverInternals)._receiver as { _maxPayload: number };
  receiver._maxPayload = bytes;
}
