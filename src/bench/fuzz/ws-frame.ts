/**
 * WebSocket frames (RFC 6455 section 5.2) written and read by hand, for the server fuzzer: it
 * must be able to send what no WebSocket library sends (a declared length the payload never
 * reaches, reserved bits, unknown opcodes, unmasked client frames), and read the server's
 * frames without a library in between. Pure: Uint8Array and DataView only.
 */

/** Opcodes of RFC 6455. */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** How one frame is written; everything a well-behaved client would do is the default. */
export interface WsFrameOptions {
  /** Opcode (4 bits). Default binary. */
  opcode?: number;
  /** FIN bit: false leaves the message open for continuation frames. Default true. */
  fin?: boolean;
  /** RSV1-3 bits (0-7), which must be 0 without an extension. Default 0. */
  rsv?: number;
  /** Masking key; undefined sends the frame unmasked (a protocol violation for a client). */
  maskKey?: Uint8Array;
  /** Payload length written in the header, if not the real one (e.g. 250 MiB before a trickle). */
  declaredLength?: number;
}

/** The header of a frame: 2 bytes, the extended length (0, 2 or 8 bytes), the masking key (0 or 4). */
export function encodeWsHeader(payloadLength: number, opts: WsFrameOptions = {}): Uint8Array {
  const declared = opts.declaredLength ?? payloadLength;
  const lengthBytes = declared < 126 ? 0 : declared <= 0xffff ? 2 : 8;
  const masked = opts.maskKey !== undefined;
  const out = new Uint8Array(2 + lengthBytes + (masked ? 4 : 0));
  out[0] = ((opts.fin ?? true) ? 0x80 : 0) | (((opts.rsv ?? 0) & 7) << 4) | ((opts.opcode ?? OPCODE.binary) & 0xf);
  const view = new DataView(out.buffer);
  if (lengthBytes === 0) out[1] = declared;
  else if (lengthBytes === 2) {
    out[1] = 126;
    view.setUint16(2, declared);
  } else {
    out[1] = 127;
    view.setBigUint64(2, BigInt(declared));
  }
  if (masked) {
    out[1] |= 0x80;
    out.set(opts.maskKey as Uint8Array, 2 + lengthBytes);
  }
  return out;
}

/** `payload` XOR the 4-byte masking key (masking and unmasking are the same operation). */
export function maskPayload(payload: Uint8Array, maskKey: Uint8Array, start = 0): Uint8Array {
  const out = new Uint8Array(payload.byteLength);
  for (let i = 0; i < payload.byteLength; i++) out[i] = payload[i] ^ maskKey[(start + i) & 3];
  return out;
}

/** One whole frame: header and (masked, if a key is given) payload. */
export function encodeWsFrame(payload: Uint8Array, opts: WsFrameOptions = {}): Uint8Array {
  const header = encodeWsHeader(payload.byteLength, opts);
  const body = opts.maskKey === undefined ? payload : maskPayload(payload, opts.maskKey);
  const out = new Uint8Array(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

/** A frame read from the server. */
export interface WsFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** A message (frames joined up to FIN) or a control frame, as read from the server. */
export type WsEvent = { kind: 'message'; binary: boolean; data: Uint8Array } | { kind: 'close'; code?: number; reason: string } | { kind: 'ping'; data: Uint8Array } | { kind: 'pong' };

/**
 * Reads frames from a byte stream (server to client: unmasked, though a masked one is unmasked
 * too), joins fragmented messages, and returns complete events. Refuses (throws) a frame whose
 * declared length exceeds `maxMessageBytes`, so a hostile peer cannot make the reader buffer
 * without bound.
 */
export class WsFrameReader {
  private buffer = new Uint8Array(0);
  private parts: Uint8Array[] = [];
  private partsOpcode = 0;

  constructor(private readonly maxMessageBytes = 64 * 1024 * 1024) {}

  /** Adds bytes; returns the events they complete, in order. */
  push(chunk: Uint8Array): WsEvent[] {
    const joined = new Uint8Array(this.buffer.byteLength + chunk.byteLength);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.byteLength);
    this.buffer = joined;
    const events: WsEvent[] = [];
    for (;;) {
      const frame = this.takeFrame();
      if (frame === undefined) break;
      const event = this.onFrame(frame);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  private takeFrame(): WsFrame | undefined {
    const b = this.buffer;
    if (b.byteLength < 2) return undefined;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let length = b[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.byteLength < 4) return undefined;
      length = view.getUint16(2);
      at = 4;
    } else if (length === 127) {
      if (b.byteLength < 10) return undefined;
      const big = view.getBigUint64(2);
      if (big > BigInt(this.maxMessageBytes)) throw new Error(`server frame declares ${big} bytes, above the reader's limit of ${this.maxMessageBytes}`);
      length = Number(big);
      at = 10;
    }
    if (length > this.maxMessageBytes) throw new Error(`server frame declares ${length} bytes, above the reader's limit of ${this.maxMessageBytes}`);
    const masked = (b[1] & 0x80) !== 0;
    const key = masked ? b.slice(at, at + 4) : undefined;
    if (masked) at += 4;
    if (b.byteLength < at + length) return undefined;
    const raw = b.slice(at, at + length);
    this.buffer = b.slice(at + length);
    return { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload: key === undefined ? raw : maskPayload(raw, key) };
  }

  private onFrame(frame: WsFrame): WsEvent | undefined {
    switch (frame.opcode) {
      case OPCODE.close: {
        const p = frame.payload;
        const code = p.byteLength >= 2 ? (p[0] << 8) | p[1] : undefined;
        return { kind: 'close', code, reason: new TextDecoder().decode(p.subarray(2)) };
      }
      case OPCODE.ping:
        return { kind: 'ping', data: frame.payload };
      case OPCODE.pong:
        return { kind: 'pong' };
      case OPCODE.continuation:
      case OPCODE.text:
      case OPCODE.binary: {
        if (frame.opcode !== OPCODE.continuation) {
          this.parts = [];
          this.partsOpcode = frame.opcode;
        }
        this.parts.push(frame.payload);
        if (!frame.fin) return undefined;
        const total = this.parts.reduce((s, p) => s + p.byteLength, 0);
        const data = new Uint8Array(total);
        let at = 0;
        for (const p of this.parts) {
          data.set(p, at);
          at += p.byteLength;
        }
        this.parts = [];
        return { kind: 'message', binary: this.partsOpcode === OPCODE.binary, data };
      }
      default:
        return undefined;
    }
  }
}
