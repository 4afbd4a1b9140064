/**
 * The secure aggregation protocols by name (SecAgg+ for now). Adding one: its options schema in
 * `options.ts`, its protocol under `secagg/`, one line here, and its rounds in the runtimes' pools.
 */
import { NamedRegistry } from '../named-registry.js';

/** A registered secure aggregation protocol. */
export interface RegisteredSecureAggregation {
  readonly name: 'secagg+';
  readonly summary: string;
}

/** The secure aggregation protocols, in registry order. */
export const SECURE_AGGREGATIONS = new NamedRegistry<RegisteredSecureAggregation>('secure aggregation', [
  { name: 'secagg+', summary: 'SecAgg+: the server learns only the sum; masks over a k-neighbour graph, dropouts recovered (Bell et al. 2020)' },
]);
