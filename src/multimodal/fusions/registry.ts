/** The fusions by name. Adding one: add a file in this folder and a line here. */
import { UnknownNameError } from '../../errors.js';
import type { RegisteredFusion } from '../fusion.js';
import { attentionFusion } from './attention.js';
import { concatFusion } from './concat.js';
import { crossAttentionFusion } from './cross-attention.js';
import { filmFusion } from './film.js';
import { gmuFusion } from './gmu.js';
import { lateMeanFusion } from './late-mean.js';
import { lateWeightedFusion } from './late-weighted.js';
import { lowRankFusion } from './low-rank.js';
import { productFusion } from './product.js';
import { sumFusion } from './sum.js';
import { tensorFusion } from './tensor.js';

/** Every fusion, in registry order (options are erased: `build` takes what its own schema parsed). */
const FUSIONS: readonly RegisteredFusion[] = [
  concatFusion,
  lateMeanFusion,
  lateWeightedFusion,
  gmuFusion,
  attentionFusion,
  tensorFusion,
  lowRankFusion,
  filmFusion,
  crossAttentionFusion,
  sumFusion,
  productFusion,
];

/** The names of the registered fusions, in registry order. */
export const FUSION_NAMES: readonly string[] = FUSIONS.map((f) => f.name);

/** Every registered fusion, in registry order. */
export function listFusions(): readonly RegisteredFusion[] {
  return FUSIONS;
}

/** The fusion registered under `name`, or undefined when there is none ({@link getFusion} throws instead). */
export function findFusion(name: string): RegisteredFusion | undefined {
  return FUSIONS.find((f) => f.name === name);
}

/** The fusion registered under `name`; UnknownNameError lists the valid names. */
export function getFusion(name: string): RegisteredFusion {
  const found = findFusion(name);
  if (found === undefined) throw new UnknownNameError('fusion', name, FUSION_NAMES);
  return found;
}
