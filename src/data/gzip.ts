/** Gzipped data files (MNIST's IDX files, scikit-learn's `digits.csv.gz`…) unpacked transparently. Pure. */
import { gunzipSync } from 'fflate';
import { DataMalformedError } from '../errors.js';

/** Whether bytes start with gzip's magic number (0x1f 0x8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes unpacked when they are gzip data, else as they are; `source` names them in messages. */
export function gunzipIfGzipped(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataMalformedError(
      `${source}: starts like a gzip file but cannot be unpacked (${(err as Error).message})`,
      'the download is probably incomplete: download the file again',
    );
  }
}
