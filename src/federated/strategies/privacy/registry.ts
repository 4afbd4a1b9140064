/**
 * The privacy parts by name. Adding one: its options schema in `options.ts`, its class in a file
 * of its own, and one line in `FACTORIES` (the compiler insists on the line).
 */
import { NamedRegistry } from '../named-registry.js';
import { AdaptiveClipPrivacy } from './adaptive-clip.js';
import { FixedClipPrivacy } from './fixed-clip.js';
import { PRIVACY_NAMES, type PrivacyName, type PrivacySpec, type PrivacySpecOf } from './options.js';
import type { PrivacyPart } from './privacy-part.js';

/** A registered privacy part: its name, a one-line summary and a factory from its validated spec. */
export interface RegisteredPrivacy {
  readonly name: PrivacyName;
  readonly summary: string;
  create(spec: PrivacySpec): PrivacyPart;
}

const FACTORIES: { readonly [N in PrivacyName]: { summary: string; create: (spec: PrivacySpecOf<N>) => PrivacyPart } } = {
  'fixed-clip': { summary: 'DP-FedAvg: clip each update to C, Gaussian noise zC on the sum (McMahan et al. 2018)', create: (s) => new FixedClipPrivacy(s) },
  'adaptive-clip': { summary: 'DP-FedAvg whose clip tracks a quantile of update norms, privately (Andrew et al. 2021)', create: (s) => new AdaptiveClipPrivacy(s) },
};

/** The privacy parts, in registry order. */
export const PRIVACY_PARTS = new NamedRegistry<RegisteredPrivacy>(
  'privacy part',
  PRIVACY_NAMES.map((name) => ({
    name,
    summary: FACTORIES[name].summary,
    // The spec's name selects the factory, so the spec has that factory's type.
    create: (spec: PrivacySpec) => (FACTORIES[spec.name].create as (s: PrivacySpec) => PrivacyPart)(spec),
  })),
);

/** Builds the privacy part of a validated spec. */
export function createPrivacyPart(spec: PrivacySpec): PrivacyPart {
  return PRIVACY_PARTS.get(spec.name).create(spec);
}
