/** ws hands a message over as a Buffer, an ArrayBuffer, or an array of Buffer fragments. */
import type { RawData } from 'ws';

/** The message's bytes, without a copy when it arrived in one piece. */
export function rawDataBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
