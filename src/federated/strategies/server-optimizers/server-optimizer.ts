/**
 * The second part of a composed strategy: a server optimizer takes the global x and the round's
 * aggregate and makes the server's step to the new global model, keeping its own state (momentum,
 * moments, step count) for checkpoints. One optimizer per file in this folder, found by name
 * through `registry.ts`; the math lives in `../../aggregate/` as pure functions.
 */
import type { StrategyState } from '../../strategy.js';
import type { Aggregate } from '../aggregators/aggregator.js';
import type { StateLayout } from '../base.js';

export type { PartContext } from '../base.js';

/** A computed server step. Nothing changes in the optimizer until `commit`. */
export interface ServerStep {
  /** The new global parameters (a new array, never an alias of `global` or of a reply's). */
  params: Float32Array;
  /** Diagnostics (e.g. `serverStep`). */
  metrics: Record<string, number>;
  /** Makes the step's new state the optimizer's state (called once the whole round has succeeded). */
  commit(): void;
}

/** A server optimizer. */
export interface ServerOptimizer {
  /** Registry name, e.g. `adam`. */
  readonly name: string;
  /** Display name with its settings, e.g. `server Adam (η=0.1)`. */
  readonly title: string;
  /** The names its state may hold (disjoint from every client algorithm's server state). */
  readonly stateLayout: StateLayout;
  /** The step from `global` given the round's aggregate; throws CheckpointError when its state does not fit the model. */
  step(global: Float32Array, aggregate: Aggregate): ServerStep;
  /** State to checkpoint (copies). */
  getState(): StrategyState;
  /** Restores a state written by `getState` (already checked against `stateLayout`). */
  setState(state: StrategyState): void;
}
