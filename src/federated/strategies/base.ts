/**
 * Helpers shared by the strategies and their parts: the order of replies (by client id, so that a
 * result does not depend on arrival order), the client metric means every round reports, and the
 * conventions of strategy state in checkpoints (`readState`, `pickState`, `checkStateLength`).
 */
import { CheckpointError } from '../../errors.js';
import type { FitReply, StrategyState } from '../strategy.js';

/** Orders strings by UTF-16 code units (locale-independent, unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of the replies sorted by client id (the replies themselves are not copied). */
export function sortByClient(replies: readonly FitReply[]): FitReply[] {
  return [...replies].sort((a, b) => compareIds(a.clientId, b.clientId));
}

/** Example-weighted means (uniform when all counts are 0) of the client metrics every reply reports, as `fit.<name>`. */
export function clientMetricMeans(replies: readonly FitReply[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (replies.length === 0) return out;
  const total = replies.reduce((s, r) => s + r.numExamples, 0);
  const weightOf = (r: FitReply): number => (total > 0 ? r.numExamples / total : 1 / replies.length);
  for (const key of Object.keys(replies[0].metrics).sort(compareIds)) {
    if (!replies.every((r) => Number.isFinite(r.metrics[key]))) continue;
    out[`fit.${key}`] = replies.reduce((s, r) => s + weightOf(r) * r.metrics[key], 0);
  }
  return out;
}

/** The names a strategy's (or a part's) state may contain. */
export interface StateLayout {
  scalars: readonly string[];
  vectors: readonly string[];
}

/** Who owns a part (an optimizer, a client algorithm's server half): the strategy its checkpoint errors name. */
export interface PartContext {
  /** The strategy's registry name, e.g. `fedadam`. */
  strategy: string;
}

/** A layout with no state. */
export const NO_STATE: StateLayout = { scalars: [], vectors: [] };

/**
 * Checks a state against a strategy's layout (no unknown names, finite scalars, vectors of
 * one length) and returns copies of its values. Throws CheckpointError otherwise.
 */
export function readState(strategy: string, state: StrategyState, layout: StateLayout): StrategyState {
  const fail = (message: string): never => {
    throw new CheckpointError(`state of strategy '${strategy}': ${message}`, 'resume with the strategy and options the checkpoint was written with');
  };
  if (typeof state !== 'object' || state === null || typeof state.scalars !== 'object' || typeof state.vectors !== 'object') {
    fail('expected { scalars, vectors }');
  }
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(state.scalars)) {
    if (!layout.scalars.includes(key)) fail(`unknown scalar '${key}' (known: ${layout.scalars.join(', ') || 'none'})`);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`scalar '${key}' must be a finite number, got ${String(value)}`);
    scalars[key] = value;
  }
  const vectors: Record<string, Float32Array> = {};
  let length: number | undefined;
  for (const [key, value] of Object.entries(state.vectors)) {
    if (!layout.vectors.includes(key)) fail(`unknown vector '${key}' (known: ${layout.vectors.join(', ') || 'none'})`);
    if (!(value instanceof Float32Array)) fail(`vector '${key}' must be a Float32Array`);
    if (length !== undefined && value.length !== length) fail(`vector '${key}' has length ${value.length}, the others ${length}`);
    length = value.length;
    vectors[key] = Float32Array.from(value);
  }
  return { scalars, vectors };
}

/** The entries of `state` named in `layout` (the values are not copied). */
export function pickState(state: StrategyState, layout: StateLayout): StrategyState {
  const pick = <T>(from: Record<string, T>, names: readonly string[]): Record<string, T> => Object.fromEntries(Object.entries(from).filter(([k]) => names.includes(k)));
  return { scalars: pick(state.scalars, layout.scalars), vectors: pick(state.vectors, layout.vectors) };
}

/** Throws CheckpointError when a state vector does not have the model's parameter length. */
export function checkStateLength(strategy: string, what: string, vector: Float32Array, expected: number): void {
  if (vector.length !== expected) {
    throw new CheckpointError(
      `state of strategy '${strategy}': '${what}' has ${vector.length} values but the model has ${expected} parameters`,
      'the checkpoint was written for another model; resume with the same model spec',
    );
  }
}
