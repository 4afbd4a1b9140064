/**
 * Tests of the federated config's `bounds` block: its defaults, its validation, and how it
 * enters the run fingerprint (only when it differs from the defaults, so that checkpoints made
 * before bounds existed still resume).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundsConfigSchema, FederatedConfigSchema, runFingerprint } from './config.js';
import { DEFAULT_UPDATE_BOUNDS } from './server/update-bounds.js';

const base = { mode: 'federated' as const, model: { type: 'mlp' as const, hidden: [8] } };

describe('FederatedConfigSchema: bounds', () => {
  it('defaults to DEFAULT_UPDATE_BOUNDS, with no absolute norm bound', () => {
    const cfg = FederatedConfigSchema.parse(base);

    assert.deepEqual(cfg.bounds, DEFAULT_UPDATE_BOUNDS);
    assert.equal(cfg.bounds.maxUpdateNorm, undefined);
  });

  it('takes 0 to turn a relative bound off, and refuses a multiple below 1, a negative ratio and unknown fields', () => {
    assert.equal(BoundsConfigSchema.parse({ maxNormMultipleOfMedian: 0 }).maxNormMultipleOfMedian, 0);
    assert.equal(BoundsConfigSchema.safeParse({ maxNormMultipleOfMedian: 0.5 }).success, false);
    assert.equal(BoundsConfigSchema.safeParse({ maxExamplesMultipleOfMedian: 0.5 }).success, false);
    assert.equal(BoundsConfigSchema.safeParse({ maxUpdateNormRatio: -1 }).success, false);
    assert.equal(BoundsConfigSchema.safeParse({ maxUpdateNorm: 0 }).success, false);
    assert.equal(BoundsConfigSchema.safeParse({ onNormExceeded: 'ignore' }).success, false);
    assert.equal(BoundsConfigSchema.safeParse({ maxNorm: 3 }).success, false);
  });
});

describe('runFingerprint and bounds', () => {
  it('is unchanged for default bounds: the fingerprints computed before bounds existed', () => {
    // Computed by the previous runFingerprint (without bounds) for the same config.
    const cfg = FederatedConfigSchema.parse(base);

    assert.equal(runFingerprint(cfg, 'server'), '79fcc5d85ec6df67');
    assert.equal(runFingerprint(cfg, 'simulation'), '80992c3d48df8f66');
    assert.equal(runFingerprint(FederatedConfigSchema.parse({ ...base, bounds: { ...DEFAULT_UPDATE_BOUNDS } }), 'server'), '79fcc5d85ec6df67', 'defaults given explicitly');
  });

  it('changes with bounds other than the defaults (they change results)', () => {
    const fp = (bounds: object): string => runFingerprint(FederatedConfigSchema.parse({ ...base, bounds }), 'server');

    const all = new Set([fp({}), fp({ maxUpdateNorm: 3 }), fp({ onNormExceeded: 'clip' }), fp({ maxExamplesMultipleOfMedian: 0 }), fp({ maxUpdateNormRatio: 20 })]);

    assert.equal(all.size, 5);
  });
});
