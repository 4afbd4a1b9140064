/**
 * The client algorithms by name. Adding one: its options schema (and round-config entries) in
 * `options.ts`, its two halves in a file of its own, and one line in `ALGORITHMS` (the compiler
 * insists on the line). Browser-safe.
 */
import { NamedRegistry } from '../../strategies/named-registry.js';
import type { ClientAlgorithm } from './algorithm.js';
import { dpSgdAlgorithm } from './dp-sgd.js';
import { fedproxAlgorithm } from './fedprox.js';
import { CLIENT_ALGORITHM_NAMES, type ClientAlgorithmName, type ClientAlgorithmSpecOf } from './options.js';
import { plainAlgorithm } from './plain.js';
import { scaffoldAlgorithm } from './scaffold.js';

const ALGORITHMS: { readonly [N in ClientAlgorithmName]: ClientAlgorithm<ClientAlgorithmSpecOf<N>> } = {
  plain: plainAlgorithm,
  fedprox: fedproxAlgorithm,
  scaffold: scaffoldAlgorithm,
  'dp-sgd': dpSgdAlgorithm,
};

/** The client algorithms, in registry order. */
export const CLIENT_ALGORITHMS = new NamedRegistry<ClientAlgorithm>(
  'client algorithm',
  // Each entry's server() takes its own spec; the registry hands it the spec of its name.
  CLIENT_ALGORITHM_NAMES.map((name) => ALGORITHMS[name] as unknown as ClientAlgorithm),
);

/** Every algorithm's round-config entries switched off (the base of every round config). */
export function roundConfigOff(): Record<string, number | string | boolean> {
  return Object.assign({}, ...CLIENT_ALGORITHMS.list().map((a) => a.configOff)) as Record<string, number | string | boolean>;
}
