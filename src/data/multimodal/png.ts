/**
 * A minimal PNG decoder (PNG specification, 2nd edition / RFC 2083) for the manifest loader:
 * 8-bit greyscale, greyscale + alpha, RGB and RGBA, non-interlaced, with all five row filters
 * (None, Sub, Up, Average, Paeth); chunk CRCs are checked. Anything else (palette images, bit
 * depths other than 8, Adam7 interlacing) is refused with an error that names the file and the
 * feature. Node: inflates the image data with node:zlib.
 */
import { inflateSync } from 'node:zlib';
import { DataMalformedError } from '../../errors.js';

/** A decoded image: `height * width * channels` values in [0, 1], row-major (row, column, channel). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly values: Float32Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels per PNG colour type (3, palette, is not supported). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const COLOR_NAMES: Readonly<Record<number, string>> = { 0: 'greyscale', 2: 'RGB', 3: 'palette', 4: 'greyscale + alpha', 6: 'RGBA' };

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG chunks use it) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the row filters in place of the inflated data: `height` rows of 1 filter byte + `stride` bytes; returns the raw samples. */
export function unfilter(data: Uint8Array, height: number, stride: number, bpp: number, source: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const type = data[r * (stride + 1)];
    const line = data.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1));
    const row = out.subarray(r * stride, (r + 1) * stride);
    const prev = r > 0 ? out.subarray((r - 1) * stride, r * stride) : undefined;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev === undefined ? 0 : prev[i];
      const c = prev !== undefined && i >= bpp ? prev[i - bpp] : 0;
      let predictor: number;
      switch (type) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new DataMalformedError(`${source}: row ${r} has PNG filter type ${type}; only 0-4 exist`, 'the file is corrupt: export the image again');
      }
      row[i] = (line[i] + predictor) & 0xff;
    }
  }
  return out;
}

/** Decodes a PNG file's bytes; `source` names it in errors. */
export function decodePng(bytes: Uint8Array, source: string): DecodedImage {
  const fail = (message: string, hint = 'save the image as an 8-bit greyscale, RGB or RGBA PNG without interlacing'): never => {
    throw new DataMalformedError(`${source}: ${message}`, hint);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail('not a PNG file (the signature is missing)', 'use PNG or PGM images');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { width: number; height: number; depth: number; color: number; interlace: number } | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) fail(`chunk ${type} runs past the end of the file (truncated?)`, 'the file is truncated: copy or export it again');
    if (crc32(bytes, pos + 4, dataEnd) !== view.getUint32(dataEnd)) fail(`chunk ${type} fails its CRC check`, 'the file is corrupt: copy or export it again');
    if (type === 'IHDR') {
      if (length !== 13) fail(`IHDR chunk of ${length} bytes (13 expected)`);
      header = {
        width: view.getUint32(dataStart),
        height: view.getUint32(dataStart + 4),
        depth: bytes[dataStart + 8],
        color: bytes[dataStart + 9],
        interlace: bytes[dataStart + 12],
      };
      if (bytes[dataStart + 10] !== 0 || bytes[dataStart + 11] !== 0) fail('unknown PNG compression or filter method');
    } else if (type === 'IDAT') idat.push(bytes.subarray(dataStart, dataEnd));
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos = dataEnd + 4;
  }
  if (header === undefined) return fail('no IHDR chunk');
  if (!ended) fail('no IEND chunk (truncated?)', 'the file is truncated: copy or export it again');
  const { width, height, depth, color, interlace } = header;
  const channels = CHANNELS[color];
  if (channels === undefined) fail(`${COLOR_NAMES[color] ?? `colour type ${color}`} PNGs are not supported`);
  if (depth !== 8) fail(`bit depth ${depth} is not supported (only 8 bits per channel)`);
  if (interlace !== 0) fail('interlaced (Adam7) PNGs are not supported');
  if (width === 0 || height === 0) fail(`image of ${width}x${height} pixels`);
  let inflated: Uint8Array;
  try {
    const joined = new Uint8Array(idat.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of idat) {
      joined.set(part, offset);
      offset += part.length;
    }
    inflated = inflateSync(joined);
  } catch (err) {
    return fail(`the image data does not inflate (${(err as Error).message})`, 'the file is corrupt: copy or export it again');
  }
  const stride = width * channels;
  if (inflated.length < height * (stride + 1)) fail(`the image data holds ${inflated.length} bytes, ${height * (stride + 1)} expected for ${width}x${height} ${COLOR_NAMES[color]}`, 'the file is corrupt: copy or export it again');
  const raw = unfilter(inflated, height, stride, channels, source);
  const values = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) values[i] = raw[i] / 255;
  return { width, height, channels, values };
}
