/**
 * Test helpers of the multimodal loaders: a by-hand PNG encoder (node:zlib deflate, chunk CRCs
 * from zlib.crc32, every row filter) and a PGM writer, so tests can make image files.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface PngEncodeOptions {
  /** PNG colour type: 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA (3 palette only to test refusals). */
  color: 0 | 2 | 3 | 4 | 6;
  /** Filter type of each row (cycled); default all 0. */
  filters?: readonly number[];
  /** Bit depth written in the header (only 8 encodes real data); default 8. */
  depth?: number;
  /** Interlace method written in the header; default 0. */
  interlace?: number;
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes `samples` (height x width x channels bytes, row-major) as a PNG file. */
export function encodePng(width: number, height: number, samples: Uint8Array, opts: PngEncodeOptions): Buffer {
  const channels = CHANNELS[opts.color];
  const stride = width * channels;
  const filters = opts.filters ?? [0];
  const filtered = new Uint8Array(height * (stride + 1));
  for (let r = 0; r < height; r++) {
    const type = filters[r % filters.length];
    filtered[r * (stride + 1)] = type;
    for (let i = 0; i < stride; i++) {
      const x = samples[r * stride + i];
      const a = i >= channels ? samples[r * stride + i - channels] : 0;
      const b = r > 0 ? samples[(r - 1) * stride + i] : 0;
      const c = r > 0 && i >= channels ? samples[(r - 1) * stride + i - channels] : 0;
      const predictor = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
      filtered[r * (stride + 1) + 1 + i] = (x - predictor) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = opts.depth ?? 8;
  ihdr[9] = opts.color;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = opts.interlace ?? 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(filtered)), chunk('IEND', new Uint8Array(0))]);
}

/** A binary (P5) or plain (P2) PGM file of `height x width` samples. */
export function encodePgm(width: number, height: number, samples: ArrayLike<number>, opts: { plain?: boolean; maxval?: number } = {}): Buffer {
  const maxval = opts.maxval ?? 255;
  if (opts.plain) {
    const rows = Array.from({ length: height }, (_, r) => Array.from({ length: width }, (_, c) => samples[r * width + c]).join(' '));
    return Buffer.from(`P2\n# a comment\n${width} ${height}\n${maxval}\n${rows.join('\n')}\n`, 'latin1');
  }
  const size = maxval < 256 ? 1 : 2;
  const data = Buffer.alloc(width * height * size);
  for (let i = 0; i < width * height; i++) {
    if (size === 1) data[i] = samples[i];
    else data.writeUInt16BE(samples[i], 2 * i);
  }
  return Buffer.concat([Buffer.from(`P5\n${width} ${height}\n${maxval}\n`, 'latin1'), data]);
}
