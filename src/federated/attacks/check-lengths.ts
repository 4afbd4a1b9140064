/** The shared precondition of the update attacks: global and client parameters have the same length. */
import { ShapeMismatchError } from '../../errors.js';

/** Throws ShapeMismatchError naming the attack when `global` and `params` differ in length. */
export function checkSameLength(attack: string, global: Float32Array, params: Float32Array): void {
  if (global.length !== params.length) {
    throw new ShapeMismatchError(`${attack}: global parameters have ${global.length} values but the client's have ${params.length}`);
  }
}
