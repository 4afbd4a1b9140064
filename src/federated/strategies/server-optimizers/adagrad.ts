/**
 * `adagrad` (FedAdagrad: Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side
 * Adagrad on the round's pseudo-gradient (see `adaptive.ts` and `aggregate/adaptive.ts`).
 */
import type { AdaptiveRule } from '../../aggregate/adaptive.js';
import { AdaptiveOptimizer } from './adaptive.js';
import type { ServerOptimizerSpecOf } from './options.js';
import type { PartContext } from './server-optimizer.js';

/** Server Adagrad. */
export class AdagradOptimizer extends AdaptiveOptimizer<ServerOptimizerSpecOf<'adagrad'>> {
  readonly name = 'adagrad';
  protected readonly rule: AdaptiveRule = 'adagrad';

  constructor(options: ServerOptimizerSpecOf<'adagrad'>, ctx: PartContext) {
    super(options, ctx);
  }

  get title(): string {
    return `server Adagrad (η=${this.options.serverLearningRate})`;
  }
}
