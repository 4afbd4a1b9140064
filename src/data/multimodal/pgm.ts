/**
 * A reader of PGM images (Netpbm greyscale, P2 plain text and P5 binary) for the manifest
 * loader: header fields separated by whitespace, `#` comments to the end of the line, maxval
 * 1-65535 (P5: one byte per sample below 256, two bytes big-endian above). Values are divided by
 * maxval, shape [height, width, 1]. Pure.
 */
import { DataMalformedError } from '../../errors.js';
import type { DecodedImage } from './png.js';

const HINT = 'save the image as a PGM (P2 or P5) or PNG file';

/** Decodes a PGM file's bytes; `source` names it in errors. */
export function decodePgm(bytes: Uint8Array, source: string): DecodedImage {
  const fail = (message: string, hint = HINT): never => {
    throw new DataMalformedError(`${source}: ${message}`, hint);
  };
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (magic !== 'P2' && magic !== 'P5') fail(magic[0] === 'P' ? `Netpbm type ${magic} is not supported (only P2 and P5 greyscale)` : 'not a PGM file (no P2/P5 magic number)');
  let pos = 2;
  const isSpace = (b: number): boolean => b === 32 || b === 9 || b === 10 || b === 13 || b === 11 || b === 12;
  /** The next whitespace-separated decimal token, skipping comments. */
  const token = (what: string): number => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 35) break; // '#'
      while (pos < bytes.length && bytes[pos] !== 10 && bytes[pos] !== 13) pos++;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 48 && bytes[pos] <= 57) pos++;
    if (pos === start) fail(`expected the ${what} (a decimal number) at byte ${start}`);
    return Number(String.fromCharCode(...bytes.subarray(start, pos)));
  };
  const width = token('width');
  const height = token('height');
  const maxval = token('maxval');
  if (width < 1 || height < 1) fail(`image of ${width}x${height} pixels`);
  if (maxval < 1 || maxval > 65535) fail(`maxval ${maxval} outside 1-65535`);
  const n = width * height;
  const values = new Float32Array(n);
  if (magic === 'P5') {
    if (!isSpace(bytes[pos] ?? 0)) fail('expected one whitespace byte after maxval');
    pos++;
    const size = maxval < 256 ? 1 : 2;
    if (bytes.length - pos < n * size) fail(`${bytes.length - pos} bytes of pixel data, ${n * size} expected for ${width}x${height} (truncated?)`, 'the file is truncated: copy or export it again');
    for (let i = 0; i < n; i++) {
      const v = size === 1 ? bytes[pos + i] : (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1];
      if (v > maxval) fail(`pixel ${i} is ${v}, above maxval ${maxval}`);
      values[i] = v / maxval;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = token(`value of pixel ${i} (of ${n})`);
      if (v > maxval) fail(`pixel ${i} is ${v}, above maxval ${maxval}`);
      values[i] = v / maxval;
    }
  }
  return { width, height, channels: 1, values };
}
