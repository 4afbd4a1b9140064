/**
 * The multi-task weightings by name: loss weightings and gradient methods (see weighting.ts).
 * Adding a method: a file exporting a `RegisteredWeighting`, and a line in `WEIGHTINGS`.
 */
import { UnknownNameError } from '../../errors.js';
import type { RegisteredWeighting } from '../weighting.js';
import { alignedMtl } from './aligned-mtl.js';
import { cagrad } from './cagrad.js';
import { dbMtl } from './db-mtl.js';
import { dwa } from './dwa.js';
import { ew } from './ew.js';
import { famo } from './famo.js';
import { gls } from './gls.js';
import { graddrop } from './graddrop.js';
import { gradnorm } from './gradnorm.js';
import { gradvac } from './gradvac.js';
import { imtl } from './imtl.js';
import { mgda } from './mgda.js';
import { nashMtl } from './nash-mtl.js';
import { pcgrad } from './pcgrad.js';
import { rlw } from './rlw.js';
import { upgrad } from './upgrad.js';
import { uw } from './uw.js';

/** Every registered weighting: loss weightings first, then gradient methods, each in order of publication. */
export const WEIGHTINGS: readonly RegisteredWeighting[] = [
  ew,
  uw,
  gls,
  dwa,
  rlw,
  famo,
  gradnorm,
  mgda,
  pcgrad,
  graddrop,
  imtl,
  gradvac,
  cagrad,
  nashMtl,
  alignedMtl,
  dbMtl,
  upgrad,
] as readonly RegisteredWeighting[];

/** Names of the registered weightings, in registry order. */
export const WEIGHTING_NAMES: readonly string[] = WEIGHTINGS.map((w) => w.name);

/** The weighting registered under `name`, or undefined. */
export function findWeighting(name: string): RegisteredWeighting | undefined {
  return WEIGHTINGS.find((w) => w.name === name);
}

/** The weighting registered under `name`; UnknownNameError lists the valid names. */
export function getWeighting(name: string): RegisteredWeighting {
  const w = findWeighting(name);
  if (w === undefined) throw new UnknownNameError('weighting', name, WEIGHTING_NAMES);
  return w;
}

/** All registered weightings, in registry order. */
export function listWeightings(): readonly RegisteredWeighting[] {
  return WEIGHTINGS;
}
