/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (0x00 0x00 type ndims),
 * `ndims` big-endian uint32 dimensions, then the values, big-endian, row-major.
 * Files may be gzipped; they are unpacked transparently.
 */
import { gunzipIfGzipped } from './gzip.js';
import { ConfigError, DataMalformedError } from '../errors.js';
import { labelsFromIndices } from './class-labels.js';
import { makeDataset, type Dataset } from './dataset.js';

/** The values of an IDX file, typed after its type code. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: its dimensions and its values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: IdxData;
}

/** Options of `loadIdxPair`. */
export interface IdxPairOptions {
  /** Factor applied to every pixel; default 1/255 for ubyte images, 1 otherwise. */
  scale?: number;
}

interface IdxType {
  readonly name: string;
  readonly bytes: number;
  /** Decodes `count` big-endian values starting at `offset`. */
  readonly decode: (view: DataView, offset: number, count: number) => IdxData;
}

const HINT = 'check that the file is an IDX file (such as train-images-idx3-ubyte) and download it again if it is damaged';

/** Decodes big-endian values with one DataView getter into a fresh typed array. */
function decodeWith<T extends Exclude<IdxData, Uint8Array | Int8Array>>(
  make: (n: number) => T,
  get: (view: DataView, at: number) => number,
  bytes: number,
): IdxType['decode'] {
  return (view, offset, count) => {
    const out = make(count);
    for (let i = 0; i < count; i++) out[i] = get(view, offset + i * bytes);
    return out;
  };
}

const TYPES: ReadonlyMap<number, IdxType> = new Map<number, IdxType>([
  [0x08, { name: 'ubyte', bytes: 1, decode: (v, o, n) => new Uint8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) }],
  [0x09, { name: 'byte', bytes: 1, decode: (v, o, n) => new Int8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) }],
  [0x0b, { name: 'short', bytes: 2, decode: decodeWith((n) => new Int16Array(n), (v, at) => v.getInt16(at, false), 2) }],
  [0x0c, { name: 'int', bytes: 4, decode: decodeWith((n) => new Int32Array(n), (v, at) => v.getInt32(at, false), 4) }],
  [0x0d, { name: 'float', bytes: 4, decode: decodeWith((n) => new Float32Array(n), (v, at) => v.getFloat32(at, false), 4) }],
  [0x0e, { name: 'double', bytes: 8, decode: decodeWith((n) => new Float64Array(n), (v, at) => v.getFloat64(at, false), 8) }],
]);

/** Two bytes as `0x1f 0x8b`-style hex, for messages. */
function hex(...values: number[]): string {
  return values.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}

/** Parses an IDX file (gzipped or not); `source` names it in error messages. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  bytes = gunzipIfGzipped(bytes, source);
  if (bytes.length < 4) {
    throw new DataMalformedError(`${source}: ${bytes.length} bytes is too short for an IDX header (4-byte magic number)`, HINT);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataMalformedError(
      `${source}: bad magic number ${hex(bytes[0], bytes[1], bytes[2], bytes[3])}, an IDX file starts with 0x00 0x00`,
      HINT,
    );
  }
  const type = TYPES.get(bytes[2]);
  if (type === undefined) {
    throw new DataMalformedError(
      `${source}: unknown IDX type code ${hex(bytes[2])} (known: 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float, 0x0e double)`,
      HINT,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new DataMalformedError(`${source}: IDX header declares 0 dimensions`, HINT);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataMalformedError(
      `${source}: truncated header: ${ndims} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`,
      HINT,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * type.bytes;
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated data' : 'data length does not match the dimensions';
    throw new DataMalformedError(
      `${source}: ${what}: dimensions [${dims.join(', ')}] of ${type.name} need ${expected} data bytes, the file has ${actual}`,
      HINT,
    );
  }
  return { dims, data: type.decode(view, headerBytes, count) };
}

/** Checks that a labels file is 1-d with one non-negative integer per sample; returns the labels. */
function checkLabels(labels: IdxArray, labelsPath: string, count: number): Int32Array {
  if (labels.dims.length !== 1) {
    throw new DataMalformedError(
      `${labelsPath}: a labels file must have 1 dimension, this one has dimensions [${labels.dims.join(', ')}]`,
      'check that the images and labels paths are not swapped',
    );
  }
  if (labels.dims[0] !== count) {
    throw new DataMalformedError(
      `${labelsPath}: ${labels.dims[0]} labels for ${count} images`,
      'check that the images and labels files belong together (train with train, t10k with t10k)',
    );
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = labels.data[i];
    if (!Number.isInteger(y) || y < 0) {
      throw new DataMalformedError(`${labelsPath}: label ${y} of sample ${i} is not a class index (a non-negative integer)`);
    }
    out[i] = y;
  }
  return out;
}

/**
 * A dataset from parsed IDX images and labels (see `parseIdx`); the paths name them in messages.
 * Features are scaled by `opts.scale`; 3-d image files give samples of shape [rows, cols, 1].
 */
export function idxPairDataset(images: IdxArray, labelsIdx: IdxArray, paths: { images: string; labels: string }, opts: IdxPairOptions = {}): Dataset {
  const imagesPath = paths.images;
  const labelsPath = paths.labels;
  const scale = opts.scale ?? (images.data instanceof Uint8Array ? 1 / 255 : 1);
  if (!Number.isFinite(scale)) throw new ConfigError('scale', `must be a finite number, got ${scale}`);
  const count = images.dims[0];
  if (count === 0) throw new DataMalformedError(`${imagesPath}: contains no images (first dimension is 0)`, HINT);
  const labels = checkLabels(labelsIdx, labelsPath, count);
  const { dims } = images;
  // A 1-d file holds one value per sample: shape [1] rather than the scalar shape [].
  const sampleShape = dims.length === 3 ? [dims[1], dims[2], 1] : dims.length === 1 ? [1] : dims.slice(1);
  const features = new Float32Array(images.data.length);
  for (let i = 0; i < features.length; i++) features[i] = images.data[i] * scale;
  return makeDataset({ features, sampleShape, ...labelsFromIndices(labels) }, imagesPath);
}
