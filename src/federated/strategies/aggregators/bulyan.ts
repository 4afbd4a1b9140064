/**
 * `bulyan` (El Mhamdi, Guerraoui and Rouault, ICML 2018, "The hidden vulnerability of distributed
 * learning in Byzantium"): θ = n − 2f replies are chosen by repeated Krum, then each coordinate
 * is the mean of the β = θ − 2f chosen values closest to their median (see `aggregate/bulyan.ts`).
 * Tolerates f Byzantine replies; needs n ≥ 4f + 3.
 */
import { bulyan, bulyanMinVectors } from '../../aggregate/bulyan.js';
import { FEW_REPLIES_ROBUST_HINT, type Aggregator, type AggregatorInput, type AggregatorOutput, type MinimumReplies } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** Bulyan: repeated Krum, then a coordinate-wise trimmed mean around the median. */
export class BulyanAggregator implements Aggregator {
  readonly name = 'bulyan';
  readonly options: AggregatorSpecOf<'bulyan'>;

  constructor(options: AggregatorSpecOf<'bulyan'>) {
    this.options = options;
  }

  get title(): string {
    return `Bulyan with f=${this.options.byzantine}`;
  }

  requirement(): MinimumReplies {
    const min = bulyanMinVectors(this.options.byzantine);
    return { min, rule: `at least 4f+3 = ${min}`, hint: FEW_REPLIES_ROBUST_HINT };
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    const { replies } = input;
    const out = bulyan(
      replies.map((r) => r.params),
      { byzantine: this.options.byzantine },
    );
    return {
      aggregate: { kind: 'params', params: out.params },
      metrics: { kept: out.selected.length, rejected: replies.length - out.selected.length, averagedPerCoordinate: out.beta },
    };
  }
}
