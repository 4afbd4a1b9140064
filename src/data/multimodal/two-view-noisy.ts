/**
 * Two-view noisy MNIST / Fashion-MNIST (Wang et al., ICML 2015, the construction used for deep
 * CCA), exactly as jointly's reference protocol defines it. For a split of N images, draw
 * u[0 .. 786N) from mulberry32 (seed 0 for training, 1 for test):
 * - view 1: image i rotated by θ_i = (2u[i] − 1)·45° about the pixel centre (13.5, 13.5),
 *   bilinear, zeros outside;
 * - view 2: another image j of the same class, plus noise u[2N + 784i + k] on pixel k, clipped
 *   at 1. With M the ascending indices of class y_i and p the position of i in M,
 *   r = floor(u[N+i]·(|M|−1)), plus 1 if r ≥ p, and j = M[r].
 * Neither view alone is as good as both: rotation hides shape, noise hides detail. Pure.
 */
import { DataMalformedError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import type { Dataset } from '../dataset.js';
import { checkMultimodalDataset, type MultimodalDataset } from '../../multimodal/modality.js';

export const TWO_VIEW_SIDE = 28;
const PIXELS = TWO_VIEW_SIDE * TWO_VIEW_SIDE;
const CENTRE = 13.5;

/** Rotates one 28x28 image (values in [0, 1]) by `degrees` about the pixel centre, bilinear, zeros outside; writes into `out` at `offset`. */
export function rotateImage(src: Float32Array, srcOffset: number, degrees: number, out: Float32Array, offset: number): void {
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const at = (r: number, c: number): number => (r < 0 || r >= TWO_VIEW_SIDE || c < 0 || c >= TWO_VIEW_SIDE ? 0 : src[srcOffset + r * TWO_VIEW_SIDE + c]);
  for (let r = 0; r < TWO_VIEW_SIDE; r++) {
    for (let c = 0; c < TWO_VIEW_SIDE; c++) {
      const x = cos * (c - CENTRE) - sin * (r - CENTRE) + CENTRE;
      const y = sin * (c - CENTRE) + cos * (r - CENTRE) + CENTRE;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      out[offset + r * TWO_VIEW_SIDE + c] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
    }
  }
}

/** What {@link twoViewNoisy} returns: the two-view dataset and, per sample, the rotation and the partner image used. */
export interface TwoViewNoisy {
  /** Rotation of each sample's view 1, in degrees. */
  readonly angles: Float64Array;
  /** Index of the image each sample's view 2 shows. */
  readonly partners: Int32Array;
  /** The two views, [N, 28, 28, 1] each, as a multimodal dataset with modalities `view1` and `view2`. */
  readonly dataset: MultimodalDataset;
}

/**
 * Builds the two views of a split of 28x28 grey images (features in [0, 1], as the IDX loaders
 * give them). `seed` is 0 for a training split and 1 for a test split in the reference protocol.
 */
export function twoViewNoisy(images: Dataset, seed: number, source = 'two-view noisy data'): TwoViewNoisy {
  if (images.sampleShape.reduce((a, b) => a * b, 1) !== PIXELS) {
    throw new DataMalformedError(`${source}: two-view noisy data needs 28x28 grey images, got samples of shape [${images.sampleShape.join(', ')}]`, 'use MNIST or Fashion-MNIST');
  }
  const n = images.labels.length;
  const u = new Float64Array(786 * n);
  const rng = createRng(seed);
  for (let i = 0; i < u.length; i++) u[i] = rng.next();
  const byClass: number[][] = Array.from({ length: images.numClasses }, () => []);
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const members = byClass[images.labels[i]];
    position[i] = members.length;
    members.push(i);
  }
  const angles = new Float64Array(n);
  const partners = new Int32Array(n);
  const view1 = new Float32Array(n * PIXELS);
  const view2 = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    angles[i] = (2 * u[i] - 1) * 45;
    rotateImage(images.features, i * PIXELS, angles[i], view1, i * PIXELS);
    const members = byClass[images.labels[i]];
    if (members.length < 2) throw new DataMalformedError(`${source}: class ${images.labels[i]} has one image, so view 2 has no other image of its class`, 'use a split with at least two images per class');
    let r = Math.floor(u[n + i] * (members.length - 1));
    if (r >= position[i]) r += 1;
    const j = members[r];
    partners[i] = j;
    const noise = 2 * n + PIXELS * i;
    for (let k = 0; k < PIXELS; k++) view2[i * PIXELS + k] = Math.min(images.features[j * PIXELS + k] + u[noise + k], 1);
  }
  const shape = [TWO_VIEW_SIDE, TWO_VIEW_SIDE, 1];
  const dataset = checkMultimodalDataset(
    {
      length: n,
      modalities: { view1: { kind: 'image', values: view1, shape }, view2: { kind: 'image', values: view2, shape } },
      labels: Int32Array.from(images.labels),
      numClasses: images.numClasses,
      ...(images.classNames === undefined ? {} : { classNames: images.classNames }),
    },
    source,
  );
  return { angles, partners, dataset };
}
