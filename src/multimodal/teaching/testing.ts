/**
 * Test fixture of the teaching runs: a few hundred two-view noisy Fashion-MNIST samples
 * (src/data/multimodal/two-view-noisy.ts) through the `image` preprocessor, with small mlp
 * encoders. Both splits are drawn from the 10,000 official test images (reading the 60,000
 * training images takes seconds); tests skip when Fashion-MNIST is not installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { subset, type Dataset } from '../../data/dataset.js';
import type { Field, FieldDataset } from '../../data/fields.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../../data/files/fashion-mnist.js';
import { loadIdxPair } from '../../data/files/tabular-files.js';
import { twoViewNoisy } from '../../data/multimodal/two-view-noisy.js';
import { MlpEncoderOptionsSchema } from '../encoders/mlp.js';
import { LABEL_FIELD, type MultimodalDataset } from '../modality.js';
import { imagePreprocessor } from '../preprocessors/image.js';
import type { TeachingView } from './view-model.js';

const IMAGES = join(DEFAULT_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
const LABELS = join(DEFAULT_FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz');
export const FASHION_MNIST_INSTALLED = existsSync(IMAGES) && existsSync(LABELS);

let images: Dataset | undefined;

export interface TwoViewFixture {
  readonly train: FieldDataset;
  readonly test: FieldDataset;
  readonly views: readonly TeachingView[];
}

const range = (from: number, n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => from + i);

/** The first `train` images and the `test` after them as two views (seeds 0 and 1), fields `view1`, `view2` and `label`; encoders mlp with `hidden` layers. */
export function twoViewFixture(opts: { train: number; test: number; hidden?: number[] }): TwoViewFixture {
  images ??= { ...loadIdxPair(IMAGES, LABELS), numClasses: 10 };
  const trainViews = twoViewNoisy(subset(images, range(0, opts.train)), 0).dataset;
  const testViews = twoViewNoisy(subset(images, range(opts.train, opts.test)), 1).dataset;
  const names = ['view1', 'view2'];
  const fitted = names.map((name) => imagePreprocessor.fit(trainViews.modalities[name], name, {}));
  const fields = (ds: MultimodalDataset): FieldDataset => {
    const out: Record<string, Field> = {};
    names.forEach((name, v) => Object.assign(out, fitted[v].transform(ds.modalities[name], name)));
    out[LABEL_FIELD] = { kind: 'classes', labels: Int32Array.from(ds.labels), numClasses: ds.numClasses };
    return { length: ds.length, fields: out };
  };
  const encoder = { type: 'mlp', options: MlpEncoderOptionsSchema.parse({ hidden: opts.hidden ?? [16] }) };
  return { train: fields(trainViews), test: fields(testViews), views: names.map((name, v) => ({ name, info: fitted[v].info, encoder })) };
}
