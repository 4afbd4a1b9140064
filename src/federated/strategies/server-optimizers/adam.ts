/**
 * `adam` (FedAdam: Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Adam
 * on the round's pseudo-gradient (see `adaptive.ts` and `aggregate/adaptive.ts`), with an optional
 * bias correction of η.
 */
import type { AdaptiveRule } from '../../aggregate/adaptive.js';
import { AdaptiveOptimizer } from './adaptive.js';
import type { ServerOptimizerSpecOf } from './options.js';
import type { PartContext } from './server-optimizer.js';

/** Server Adam. */
export class AdamOptimizer extends AdaptiveOptimizer<ServerOptimizerSpecOf<'adam'>> {
  readonly name = 'adam';
  protected readonly rule: AdaptiveRule = 'adam';

  constructor(options: ServerOptimizerSpecOf<'adam'>, ctx: PartContext) {
    super(options, ctx);
  }

  get title(): string {
    return `server Adam (η=${this.options.serverLearningRate}${this.options.biasCorrection ? ', bias-corrected' : ''})`;
  }

  protected override biasCorrection(): boolean {
    return this.options.biasCorrection;
  }
}
