/**
 * `yogi` (FedYogi: Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Yogi
 * on the round's pseudo-gradient (see `adaptive.ts` and `aggregate/adaptive.ts`).
 */
import type { AdaptiveRule } from '../../aggregate/adaptive.js';
import { AdaptiveOptimizer } from './adaptive.js';
import type { ServerOptimizerSpecOf } from './options.js';
import type { PartContext } from './server-optimizer.js';

/** Server Yogi. */
export class YogiOptimizer extends AdaptiveOptimizer<ServerOptimizerSpecOf<'yogi'>> {
  readonly name = 'yogi';
  protected readonly rule: AdaptiveRule = 'yogi';

  constructor(options: ServerOptimizerSpecOf<'yogi'>, ctx: PartContext) {
    super(options, ctx);
  }

  get title(): string {
    return `server Yogi (η=${this.options.serverLearningRate})`;
  }
}
