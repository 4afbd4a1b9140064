/** `fixed-clip`: DP-FedAvg with a clip norm C fixed for the whole run (McMahan et al. 2018). */
import type { PrivacySpecOf } from './options.js';
import { DpFedAvg, type ClipRule } from './dp-fedavg.js';

/** A clip that never changes. */
function fixedRule(clip: number): ClipRule {
  return {
    current: () => clip,
    countStd: () => 0,
    next: () => clip,
    stateNames: [],
    getState: () => ({}),
    setState: () => undefined,
    set: () => undefined,
  };
}

/** DP-FedAvg with a fixed clip. */
export class FixedClipPrivacy extends DpFedAvg {
  constructor(spec: PrivacySpecOf<'fixed-clip'>) {
    super(spec, fixedRule(spec.clip), false);
  }
}
