/**
 * The images-with-descriptions dataset (image-descriptions.ts) built on the Fashion-MNIST files
 * (Node: reads the IDX files through loadFashionMnist; the decoded images are cached per process
 * and folder).
 */
import type { Dataset } from '../dataset.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist } from '../files/fashion-mnist.js';
import { imageDescriptions, type ImageDescriptionsOptions, type ImageDescriptionsSplit } from './image-descriptions.js';

const imagesCache = new Map<string, { train: Dataset; test: Dataset }>();

export interface ImageDescriptionsData {
  readonly train: ImageDescriptionsSplit;
  readonly test: ImageDescriptionsSplit;
}

/** Both splits of the dataset from the Fashion-MNIST files in `dataDir` (default /usr/share/datasets/fashion-mnist). */
export function loadImageDescriptions(opts: ImageDescriptionsOptions & { dataDir?: string } = {}): ImageDescriptionsData {
  const dir = opts.dataDir ?? DEFAULT_FASHION_MNIST_DIR;
  let images = imagesCache.get(dir);
  if (images === undefined) {
    images = loadFashionMnist(dir);
    imagesCache.set(dir, images);
  }
  return imageDescriptions(images, opts);
}
