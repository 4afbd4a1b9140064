/** The contrastive alignment losses by name. Adding one: a file in losses/ exporting a `RegisteredAlignmentLoss`, and a line here. */
import { UnknownNameError } from '../../errors.js';
import type { RegisteredAlignmentLoss } from './alignment-loss.js';
import { clip } from './losses/clip.js';
import { siglip } from './losses/siglip.js';

/** Every alignment loss, in order of publication (options are erased: `create` takes what its own schema parsed). */
const ALIGNMENT_LOSSES: readonly RegisteredAlignmentLoss[] = [clip, siglip] as readonly RegisteredAlignmentLoss[];

/** The names of the registered alignment losses (`clip`, `siglip`), in registry order. */
export const ALIGNMENT_LOSS_NAMES: readonly string[] = ALIGNMENT_LOSSES.map((l) => l.name);

/** Every registered alignment loss, in registry order. */
export function listAlignmentLosses(): readonly RegisteredAlignmentLoss[] {
  return ALIGNMENT_LOSSES;
}

/** The loss registered under `name`, or undefined when there is none ({@link getAlignmentLoss} throws instead). */
export function findAlignmentLoss(name: string): RegisteredAlignmentLoss | undefined {
  return ALIGNMENT_LOSSES.find((l) => l.name === name);
}

/** The loss registered under `name`; UnknownNameError lists the valid names. */
export function getAlignmentLoss(name: string): RegisteredAlignmentLoss {
  const found = findAlignmentLoss(name);
  if (found === undefined) throw new UnknownNameError('alignment loss', name, ALIGNMENT_LOSS_NAMES);
  return found;
}
