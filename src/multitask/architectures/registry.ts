/** The multi-task architectures by name. Adding one: add a file in this folder and a line here. */
import { UnknownNameError } from '../../errors.js';
import type { RegisteredArchitecture } from '../architecture.js';
import { cgc } from './cgc.js';
import { crossStitch } from './cross-stitch.js';
import { hardSharing } from './hard-sharing.js';
import { mmoe } from './mmoe.js';
import { mtan } from './mtan.js';
import { ple } from './ple.js';

/**
 * Every architecture, in registry order. Options are typed per architecture; the registry holds
 * them erased (`build` takes options its own schema has parsed).
 */
const ARCHITECTURES: readonly RegisteredArchitecture[] = [hardSharing, mmoe, cgc, ple, crossStitch, mtan];

/** The registered names, in registry order. */
export const ARCHITECTURE_NAMES: readonly string[] = ARCHITECTURES.map((a) => a.name);

/** All registered architectures, in registry order. */
export function listArchitectures(): readonly RegisteredArchitecture[] {
  return ARCHITECTURES;
}

/** The architecture registered under `name`, or undefined. */
export function findArchitecture(name: string): RegisteredArchitecture | undefined {
  return ARCHITECTURES.find((a) => a.name === name);
}

/** The architecture registered under `name`; UnknownNameError lists the valid names. */
export function getArchitecture(name: string): RegisteredArchitecture {
  const found = findArchitecture(name);
  if (found === undefined) throw new UnknownNameError('architecture', name, ARCHITECTURE_NAMES);
  return found;
}
