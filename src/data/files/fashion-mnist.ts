/**
 * Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey images of clothing in 10 classes,
 * read from the four IDX files of the official distribution (gzipped or not).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataMalformedError, DataMissingError } from '../../errors.js';
import { makeDataset, type Dataset } from '../dataset.js';
import { loadIdxPair } from './tabular-files.js';

/** Where the Debian/Ubuntu package dataset-fashion-mnist installs the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names of Fashion-MNIST, by class index. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const HINT =
  'on Debian/Ubuntu: apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or pass --data-dir with the four IDX files of Fashion-MNIST';

/** Path of `name` or `name.gz` in `dir` (the uncompressed file wins), or undefined if neither exists. */
function findFile(dir: string, name: string): string | undefined {
  return [join(dir, name), join(dir, `${name}.gz`)].find((p) => existsSync(p));
}

/** Loads one split and checks that it looks like Fashion-MNIST (28x28 images, labels 0..9). */
function loadSplit(imagesPath: string, labelsPath: string): Dataset {
  const ds = loadIdxPair(imagesPath, labelsPath);
  if (ds.sampleShape.join('x') !== '28x28x1') {
    throw new DataMalformedError(
      `${imagesPath}: images of shape [${ds.sampleShape.join(', ')}], Fashion-MNIST images are [28, 28, 1]`,
      'check that the directory holds Fashion-MNIST files',
    );
  }
  if (ds.numClasses > 10) {
    throw new DataMalformedError(`${labelsPath}: labels go up to ${ds.numClasses - 1}, Fashion-MNIST has 10 classes (0..9)`, 'check that the directory holds Fashion-MNIST files');
  }
  return makeDataset({ ...ds, numClasses: 10, classNames: FASHION_MNIST_CLASS_NAMES }, imagesPath);
}

/**
 * Loads the Fashion-MNIST training and test sets from `dataDir`, which must hold
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte, each optionally gzipped (`.gz`).
 */
export function loadFashionMnist(dataDir: string = DEFAULT_FASHION_MNIST_DIR): { train: Dataset; test: Dataset } {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new DataMissingError(`Fashion-MNIST directory ${dataDir} does not exist (looked for ${FILES.trainImages}[.gz] and the other IDX files in it)`, HINT);
  }
  const found: Partial<Record<keyof typeof FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(FILES) as Array<[keyof typeof FILES, string]>) {
    const path = findFile(dataDir, name);
    if (path === undefined) missing.push(`${name}[.gz]`);
    else found[key] = path;
  }
  if (missing.length > 0) {
    throw new DataMissingError(`Fashion-MNIST files missing in ${dataDir}: ${missing.join(', ')}`, HINT);
  }
  const paths = found as Record<keyof typeof FILES, string>;
  return {
    train: loadSplit(paths.trainImages, paths.trainLabels),
    test: loadSplit(paths.testImages, paths.testLabels),
  };
}
