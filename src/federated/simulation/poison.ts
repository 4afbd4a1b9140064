/** Applies a malicious client's attack inside a simulation worker: to its labels before training, to its parameters after. */
import type { Dataset } from '../../data/dataset.js';
import { attackRng } from '../attacks/attack.js';
import { createAttack } from '../attacks/registry.js';
import type { AttackSpecValue } from './worker-protocol.js';

/** The client's data with poisoned labels (or the data itself if the attack leaves labels alone). */
export function poisonLabels(spec: AttackSpecValue, data: Dataset): Dataset {
  const attack = createAttack(spec);
  return attack.poisonLabels === undefined ? data : { ...data, labels: attack.poisonLabels(data.labels, data.numClasses) };
}

/** The parameters the malicious client sends instead of its trained ones. */
export function poisonUpdate(spec: AttackSpecValue, global: Float32Array, params: Float32Array, rng: { seed: number; clientId: string; round: number }): Float32Array {
  const attack = createAttack(spec);
  return attack.poisonUpdate === undefined ? params : attack.poisonUpdate(global, params, attackRng(rng));
}
