/** Label flipping: a malicious client trains on labels y → numClasses − 1 − y (e.g. 0 ↔ 9 for 10 classes). */
import { DataMalformedError } from '../../errors.js';
import type { Attack, AttackSpecOf } from './attack.js';

/**
 * A new array with every label y replaced by numClasses − 1 − y; the input is not modified.
 * With an odd number of classes the middle class keeps its label.
 */
export function flipLabels(labels: Int32Array, numClasses: number): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < numClasses)) throw new DataMalformedError(`label-flip: label ${y} of sample ${i} is outside [0, ${numClasses})`);
    out[i] = numClasses - 1 - y;
  }
  return out;
}

/** The label-flip attack: poisons labels only; the update is sent as trained. */
export function labelFlipAttack(spec: AttackSpecOf<'label-flip'>): Attack {
  return { name: 'label-flip', spec, poisonLabels: flipLabels };
}
