/** The healthcare config: defaults, field-level errors, and the federated configs of the three variants. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { FederatedConfigSchema } from '../../federated/config.js';
import { HEALTHCARE_VARIANT_NAMES, parseHealthcareConfig } from './healthcare-config.js';
import { healthcareModelSpec, variantConfig } from './run-healthcare.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

test('a minimal config gets the documented defaults', () => {
  const c = parseHealthcareConfig({ mode: 'federated-healthcare' });
  assert.equal(c.data.sites, 4);
  assert.equal(c.data.imageSize, 16);
  assert.equal(c.simulation.clientTestFraction, 0.5);
  assert.equal(c.baselines, 'all');
  assert.equal(c.model.image.type, 'cnn');
  assert.equal(c.model.fusion.type, 'concat');
});

test('the committed example config is valid', () => {
  const raw: unknown = JSON.parse(readFileSync(join(ROOT, 'configs', 'federated-healthcare.json'), 'utf8'));
  assert.equal(parseHealthcareConfig(raw).rounds, 20);
});

test('bad fields are ConfigErrors naming the field', () => {
  const bad = (raw: unknown, path: string, message: RegExp): void => {
    assert.throws(() => parseHealthcareConfig(raw, 'x.json'), (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message) && /x\.json/.test(e.hint ?? ''));
  };
  bad({ mode: 'federated' }, 'mode', /federated-healthcare/);
  bad({ mode: 'federated-healthcare', rounds: 10, sampling: { evaluateEvery: 3 } }, 'sampling.evaluateEvery', /must divide rounds \(10\)/);
  bad({ mode: 'federated-healthcare', data: { sites: 3, patientsPerSite: [10, 20] } }, 'data.patientsPerSite', /one size per site/);
  bad({ mode: 'federated-healthcare', sampling: { evaluateFraction: 0.5 } }, 'sampling', /evaluateFraction/);
  bad({ mode: 'federated-healthcare', model: { image: { type: 'transformer' } } }, 'model.image.type', /./);
});

test('each variant is a valid federated config over the sites, with the multimodal spec reading its modalities', () => {
  const c = parseHealthcareConfig({ mode: 'federated-healthcare', rounds: 6, baselines: 'fused', data: { imageSize: 8 } });
  for (const variant of HEALTHCARE_VARIANT_NAMES) {
    const fed = FederatedConfigSchema.parse(variantConfig(c, variant, false));
    assert.equal(fed.simulation.clients, 4);
    assert.equal(fed.sampling.evaluateEvery, 6); // 0 → the last round
    assert.equal(fed.sampling.evaluateFraction, 1);
    assert.equal(fed.simulation.baselines.localOnly, variant === 'fused');
    assert.equal(fed.output.saveModel, false);
  }
  const spec = healthcareModelSpec(c, 'record-only');
  assert.deepEqual(spec.use, ['record']);
  assert.deepEqual(spec.modalities.image.slice, [0, 64]);
  assert.deepEqual(spec.modalities.image.shape, [8, 8, 1]);
  assert.deepEqual(spec.modalities.record.slice, [64, 72]);
  assert.deepEqual(healthcareModelSpec(c, 'fused').use, ['image', 'record']);
});
