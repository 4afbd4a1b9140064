/** Sign flipping: a malicious client sends g − s·(w − g), its update reversed and scaled. */
import type { Attack, AttackSpecOf } from './attack.js';
import { checkSameLength } from './check-lengths.js';

/** A new array g − scale·(w − g); the inputs are not modified. */
export function signFlipUpdate(global: Float32Array, params: Float32Array, scale: number): Float32Array {
  checkSameLength('sign-flip', global, params);
  const out = new Float32Array(global.length);
  for (let i = 0; i < global.length; i++) out[i] = global[i] - scale * (params[i] - global[i]);
  return out;
}

/** The sign-flip attack with its `scale` (s). */
export function signFlipAttack(spec: AttackSpecOf<'sign-flip'>): Attack {
  return { name: 'sign-flip', spec, poisonUpdate: (global, params) => signFlipUpdate(global, params, spec.scale) };
}
