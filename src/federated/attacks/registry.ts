/**
 * The attacks by type, and `createAttack`, the entry point the runtimes call. Adding an attack:
 * a file exporting its factory, its schema in `attack.ts`, a line here.
 */
import { ConfigError, UnknownNameError } from '../../errors.js';
import { AttackSpecSchema, type Attack, type AttackSpec, type AttackSpecOf, type AttackType } from './attack.js';
import { gaussianNoiseAttack } from './gaussian-noise.js';
import { labelFlipAttack } from './label-flip.js';
import { scaleAttack } from './scale.js';
import { signFlipAttack } from './sign-flip.js';

const FACTORIES: { readonly [T in AttackType]: { summary: string; create(spec: AttackSpecOf<T>): Attack } } = {
  'label-flip': { summary: 'train on labels y → numClasses − 1 − y', create: labelFlipAttack },
  'sign-flip': { summary: 'send g − scale·(w − g), the update reversed', create: signFlipAttack },
  'gaussian-noise': { summary: 'send g + N(0, sigma²) noise instead of the update', create: gaussianNoiseAttack },
  scale: { summary: 'send g + factor·(w − g), the update boosted', create: scaleAttack },
};

/** Names of the registered attacks, in registry order. */
export const ATTACK_TYPES: readonly AttackType[] = Object.keys(FACTORIES) as AttackType[];

/** A registered attack as listed for `--help` and reports. */
export interface AttackInfo {
  /** The value of `type` in the spec. */
  readonly type: AttackType;
  /** One line describing it. */
  readonly summary: string;
}

/** The registered attacks (type and one-line summary), in registry order. */
export function listAttacks(): readonly AttackInfo[] {
  return ATTACK_TYPES.map((type) => ({ type, summary: FACTORIES[type].summary }));
}

/** Validates an attack spec, filling in defaults; ConfigError (or UnknownNameError) names the bad field. */
export function parseAttackSpec(raw: unknown): AttackSpec {
  const type = (raw as { type?: unknown } | null | undefined)?.type;
  if (typeof type === 'string' && !(ATTACK_TYPES as readonly string[]).includes(type)) {
    throw new UnknownNameError('attack', type, ATTACK_TYPES);
  }
  const parsed = AttackSpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ['attack', ...issue.path.map(String)].join('.');
  throw new ConfigError(path, issue.message, `fix ${issue.path.length > 0 ? path : 'attack.type'}; attacks: ${ATTACK_TYPES.join(', ')}`);
}

/** The attack a spec describes (validated here, defaults filled in). */
export function createAttack(spec: unknown): Attack {
  const parsed = parseAttackSpec(spec);
  const factory = FACTORIES[parsed.type] as { create(spec: AttackSpec): Attack };
  // The table maps each type to its own factory, so the spec matches the factory's type.
  return factory.create(parsed);
}
