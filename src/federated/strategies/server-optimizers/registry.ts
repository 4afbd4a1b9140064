/**
 * The server optimizers by name. Adding one: its options schema in `options.ts`, its class in a
 * file of its own, and one line in `FACTORIES` (the compiler insists on the line).
 */
import { NamedRegistry } from '../named-registry.js';
import { AdagradOptimizer } from './adagrad.js';
import { AdamOptimizer } from './adam.js';
import { MomentumOptimizer } from './momentum.js';
import { SERVER_OPTIMIZER_NAMES, type ServerOptimizerName, type ServerOptimizerSpec, type ServerOptimizerSpecOf } from './options.js';
import { PlainOptimizer } from './plain.js';
import type { PartContext, ServerOptimizer } from './server-optimizer.js';
import { YogiOptimizer } from './yogi.js';

/** A registered server optimizer: its name, a one-line summary and a factory from its validated spec. */
export interface RegisteredServerOptimizer {
  readonly name: ServerOptimizerName;
  readonly summary: string;
  create(spec: ServerOptimizerSpec, ctx: PartContext): ServerOptimizer;
}

type Factory<N extends ServerOptimizerName> = (spec: ServerOptimizerSpecOf<N>, ctx: PartContext) => ServerOptimizer;

const FACTORIES: { readonly [N in ServerOptimizerName]: { summary: string; create: Factory<N> } } = {
  plain: { summary: 'x ← aggregate, or a step of η towards it (FedAvg, SCAFFOLD)', create: (s, c) => new PlainOptimizer(s, c) },
  momentum: { summary: 'server SGD with momentum on x − aggregate (FedAvgM, Hsu et al. 2019)', create: (s, c) => new MomentumOptimizer(s, c) },
  adam: { summary: 'server Adam on aggregate − x (FedAdam, Reddi et al. 2021)', create: (s, c) => new AdamOptimizer(s, c) },
  yogi: { summary: 'server Yogi on aggregate − x (FedYogi, Reddi et al. 2021)', create: (s, c) => new YogiOptimizer(s, c) },
  adagrad: { summary: 'server Adagrad on aggregate − x (FedAdagrad, Reddi et al. 2021)', create: (s, c) => new AdagradOptimizer(s, c) },
};

/** The server optimizers, in registry order. */
export const SERVER_OPTIMIZERS = new NamedRegistry<RegisteredServerOptimizer>(
  'server optimizer',
  SERVER_OPTIMIZER_NAMES.map((name) => ({
    name,
    summary: FACTORIES[name].summary,
    // The spec's name selects the factory, so the spec has that factory's type.
    create: (spec: ServerOptimizerSpec, ctx: PartContext) => (FACTORIES[spec.name].create as (s: ServerOptimizerSpec, c: PartContext) => ServerOptimizer)(spec, ctx),
  })),
);

/** Builds the server optimizer of a validated spec. */
export function createServerOptimizer(spec: ServerOptimizerSpec, ctx: PartContext): ServerOptimizer {
  return SERVER_OPTIMIZERS.get(spec.name).create(spec, ctx);
}
