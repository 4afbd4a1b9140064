/**
 * The aggregators by name. Adding one: its options schema in `options.ts`, its class in a file of
 * its own, and one line in `FACTORIES` (the compiler insists on the line).
 */
import { NamedRegistry } from '../named-registry.js';
import type { Aggregator } from './aggregator.js';
import { BulyanAggregator } from './bulyan.js';
import { KrumAggregator } from './krum.js';
import { MeanAggregator } from './mean.js';
import { MedianAggregator } from './median.js';
import { MultiKrumAggregator } from './multikrum.js';
import { AGGREGATOR_NAMES, type AggregatorName, type AggregatorSpec, type AggregatorSpecOf } from './options.js';
import { TrimmedMeanAggregator } from './trimmed-mean.js';

/** A registered aggregator: its name, a one-line summary and a factory from its validated spec. */
export interface RegisteredAggregator {
  readonly name: AggregatorName;
  readonly summary: string;
  create(spec: AggregatorSpec): Aggregator;
}

const FACTORIES: { readonly [N in AggregatorName]: { summary: string; create: (spec: AggregatorSpecOf<N>) => Aggregator } } = {
  mean: { summary: 'weighted mean of the replies, by example count or uniform (McMahan et al. 2017)', create: (s) => new MeanAggregator(s) },
  median: { summary: 'coordinate-wise median (Yin et al. 2018)', create: (s) => new MedianAggregator(s) },
  'trimmed-mean': { summary: 'coordinate-wise mean after cutting a fraction beta from each end (Yin et al. 2018)', create: (s) => new TrimmedMeanAggregator(s) },
  krum: { summary: 'the single most central reply, f Byzantine tolerated (Blanchard et al. 2017)', create: (s) => new KrumAggregator(s) },
  multikrum: { summary: 'mean of the m most central replies (Blanchard et al. 2017)', create: (s) => new MultiKrumAggregator(s) },
  bulyan: { summary: 'repeated Krum, then a trimmed mean around the median (El Mhamdi et al. 2018)', create: (s) => new BulyanAggregator(s) },
};

/** The aggregators, in registry order. */
export const AGGREGATORS = new NamedRegistry<RegisteredAggregator>(
  'aggregator',
  AGGREGATOR_NAMES.map((name) => ({
    name,
    summary: FACTORIES[name].summary,
    // The spec's name selects the factory, so the spec has that factory's type.
    create: (spec: AggregatorSpec) => (FACTORIES[spec.name].create as (s: AggregatorSpec) => Aggregator)(spec),
  })),
);

/** Builds the aggregator of a validated spec. */
export function createAggregator(spec: AggregatorSpec): Aggregator {
  return AGGREGATORS.get(spec.name).create(spec);
}
