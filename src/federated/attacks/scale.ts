/** Update scaling (model replacement / boosting): a malicious client sends g + λ·(w − g). */
import type { Attack, AttackSpecOf } from './attack.js';
import { checkSameLength } from './check-lengths.js';

/** A new array g + factor·(w − g); the inputs are not modified. */
export function scaleUpdate(global: Float32Array, params: Float32Array, factor: number): Float32Array {
  checkSameLength('scale', global, params);
  const out = new Float32Array(global.length);
  for (let i = 0; i < global.length; i++) out[i] = global[i] + factor * (params[i] - global[i]);
  return out;
}

/** The scale attack with its boost `factor` (λ). */
export function scaleAttack(spec: AttackSpecOf<'scale'>): Attack {
  return { name: 'scale', spec, poisonUpdate: (global, params) => scaleUpdate(global, params, spec.factor) };
}
