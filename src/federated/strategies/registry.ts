/**
 * The federated strategies by name. Adding a strategy: its options schema in `options.ts`, its
 * class in a file of its own, and one line in `FACTORIES` (the compiler insists on the line).
 */
import { ConfigError, UnknownNameError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { Bulyan } from './bulyan.js';
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
import type { StrategySpec } from './options.js';
import { Scaffold } from './scaffold.js';

type StrategyName = StrategySpec['name'];

/** A registered strategy: its name, a one-line summary, and a factory from raw options (validated by the class). */
export interface RegisteredStrategy {
  readonly name: StrategyName;
  readonly summary: string;
  /** Builds the strategy from its options (without `name`); throws ConfigError naming a bad option. */
  create(options: unknown): Strategy;
}

// Each class validates its own options; the cast widens its typed input to `unknown`, which
// parseStrategyOptions checks at run time.
type Factory = (options: never) => Strategy;

const FACTORIES: { readonly [N in StrategyName]: { summary: string; create: Factory } } = {
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

const STRATEGIES: readonly RegisteredStrategy[] = (Object.keys(FACTORIES) as StrategyName[]).map((name) => ({
  name,
  summary: FACTORIES[name].summary,
  create: (options: unknown) => FACTORIES[name].create(options as never),
}));

/** Every strategy name, in registry order. */
export const STRATEGY_NAMES: readonly StrategyName[] = STRATEGIES.map((s) => s.name);

/** All registered strategies, in registry order. */
export function listStrategies(): readonly RegisteredStrategy[] {
  return STRATEGIES;
}

/**
 * Builds a strategy from `{ name, ...options }` (a StrategySpec or raw config). Throws
 * UnknownNameError listing the names for an unknown name, ConfigError naming the field for a
 * bad option.
 */
export function createStrategy(specInput: unknown): Strategy {
  if (typeof specInput !== 'object' || specInput === null || Array.isArray(specInput)) {
    throw new ConfigError('', `a strategy spec must be an object { name, ...options }, got ${JSON.stringify(specInput)}`, `use one of: ${STRATEGY_NAMES.join(', ')}`);
  }
  const { name, ...options } = specInput as Record<string, unknown>;
  if (typeof name !== 'string') {
    throw new ConfigError('name', `missing or not a string (got ${JSON.stringify(name)})`, `use one of: ${STRATEGY_NAMES.join(', ')}`);
  }
  const found = STRATEGIES.find((s) => s.name === name);
  if (found === undefined) throw new UnknownNameError('federated strategy', name, STRATEGY_NAMES);
  return found.create(options);
}
