/**
 * The federated strategies: the twelve named presets, and composed specs built from parts.
 * Adding a preset: its options schema in `options.ts`, its file mapping the options to parts,
 * and one line in `FACTORIES` (the compiler insists on the line). Adding a part: see the
 * registries of `aggregators/`, `server-optimizers/` and `../client/algorithms/`.
 */
import { ConfigError, UnknownNameError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { Bulyan } from './bulyan.js';
import { ComposedStrategy } from './composed.js';
import { FedAdagrad } from './fedadagrad.js';
import { FedAdam } from './fedadam.js';
import { FedAvg } from './fedavg.js';
import { FedAvgM } from './fedavgm.js';
import { FedMedian } from './fedmedian.js';
import { FedProx } from './fedprox.js';
import { FedTrimmedAvg } from './fedtrimmedavg.js';
import { FedYogi } from './fedyogi.js';
import { Krum } from './krum.js';
import { MultiKrum } from './multikrum.js';
import { PART_FIELDS, PRESET_NAMES, type ComposedStrategySpecInput, type PresetName } from './options.js';
import { Scaffold } from './scaffold.js';

export { AGGREGATORS, createAggregator } from './aggregators/registry.js';
export { SERVER_OPTIMIZERS, createServerOptimizer } from './server-optimizers/registry.js';
export { CLIENT_ALGORITHMS } from '../client/algorithms/registry.js';

/** A registered preset: its name, a one-line summary, and a factory from raw options (validated by the class). */
export interface RegisteredStrategy {
  readonly name: PresetName;
  readonly summary: string;
  /** Builds the strategy from its options (without `name`); throws ConfigError naming a bad option. */
  create(options: unknown): Strategy;
}

// Each class validates its own options; the cast widens its typed input to `unknown`, which
// parseStrategyOptions checks at run time.
type Factory = (options: never) => Strategy;

const FACTORIES: { readonly [N in PresetName]: { summary: string; create: Factory } } = {
  fedavg: { summary: 'example-weighted mean of the client models (McMahan et al. 2017)', create: (o) => new FedAvg(o) },
  fedavgm: { summary: 'FedAvg with server momentum (Hsu et al. 2019)', create: (o) => new FedAvgM(o) },
  fedprox: { summary: 'FedAvg with a proximal term on the clients (Li et al. 2020)', create: (o) => new FedProx(o) },
  fedadam: { summary: 'server-side Adam on the round update (Reddi et al. 2021)', create: (o) => new FedAdam(o) },
  fedyogi: { summary: 'server-side Yogi on the round update (Reddi et al. 2021)', create: (o) => new FedYogi(o) },
  fedadagrad: { summary: 'server-side Adagrad on the round update (Reddi et al. 2021)', create: (o) => new FedAdagrad(o) },
  scaffold: { summary: 'control variates correct client drift (Karimireddy et al. 2020)', create: (o) => new Scaffold(o) },
  fedmedian: { summary: 'coordinate-wise median (Yin et al. 2018)', create: (o) => new FedMedian(o) },
  fedtrimmedavg: { summary: 'coordinate-wise trimmed mean (Yin et al. 2018)', create: (o) => new FedTrimmedAvg(o) },
  krum: { summary: 'the single most central reply, f Byzantine tolerated (Blanchard et al. 2017)', create: (o) => new Krum(o) },
  multikrum: { summary: 'mean of the m most central replies (Blanchard et al. 2017)', create: (o) => new MultiKrum(o) },
  bulyan: { summary: 'repeated Krum, then a trimmed mean around the median (El Mhamdi et al. 2018)', create: (o) => new Bulyan(o) },
};

const STRATEGIES: readonly RegisteredStrategy[] = PRESET_NAMES.map((name) => ({
  name,
  summary: FACTORIES[name].summary,
  create: (options: unknown) => FACTORIES[name].create(options as never),
}));

/** Every preset name, in registry order. */
export const STRATEGY_NAMES: readonly PresetName[] = STRATEGIES.map((s) => s.name);

/** All registered presets, in registry order. */
export function listStrategies(): readonly RegisteredStrategy[] {
  return STRATEGIES;
}

/**
 * Builds a strategy from a spec: `{ name, ...options }` for a preset, or
 * `{ aggregator, serverOptimizer, client, localEpochs, batchSize }` (no name) for a composed one.
 * Throws UnknownNameError listing the names for an unknown preset or part, ConfigError naming the
 * field for a bad option.
 */
export function createStrategy(specInput: unknown): Strategy {
  const parts = `or compose one from ${PART_FIELDS.join(', ')}`;
  if (typeof specInput !== 'object' || specInput === null || Array.isArray(specInput)) {
    throw new ConfigError('', `a strategy spec must be an object { name, ...options }, got ${JSON.stringify(specInput)}`, `use one of: ${STRATEGY_NAMES.join(', ')}; ${parts}`);
  }
  const { name, ...options } = specInput as Record<string, unknown>;
  if (name === undefined && PART_FIELDS.some((k) => k in options)) return new ComposedStrategy(options as ComposedStrategySpecInput);
  if (typeof name !== 'string') {
    throw new ConfigError('name', `missing or not a string (got ${JSON.stringify(name)})`, `use one of: ${STRATEGY_NAMES.join(', ')}; ${parts}`);
  }
  const found = STRATEGIES.find((s) => s.name === name);
  if (found === undefined) throw new UnknownNameError('federated strategy', name, STRATEGY_NAMES);
  return found.create(options);
}
