/**
 * The federated healthcare example end to end, tiny (3 sites of 60 patients, 8x8 scans, mlp
 * encoders, 5 rounds, one worker, the cpu backend, baselines for the fused variant only): three
 * runs of the federated simulation, every row of both tables, per-site alone / federated / pooled
 * scores, a saved global model, and a fused model that is better than chance.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirFactory } from '../../engine/testing.js';
import type { FederatedHealthcareConfigInput } from './healthcare-config.js';
import { runHealthcareExample } from './run-healthcare.js';

const tempDir = tempDirFactory('jointly-healthcare-');

const TINY: FederatedHealthcareConfigInput = {
  mode: 'federated-healthcare',
  name: 'healthcare-tiny',
  seed: 1,
  backend: 'cpu',
  data: { sites: 3, patientsPerSite: 60, testPatientsPerSite: 40, imageSize: 8 },
  model: { image: { type: 'mlp', hidden: [8] }, record: { type: 'mlp', hidden: [8] } },
  optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
  strategy: { name: 'fedavg', localEpochs: 4, batchSize: 10 },
  rounds: 5,
  simulation: { workers: 1 },
  baselines: 'fused',
};

test('the tiny example runs the three variants through the federated simulation and reports every site', async () => {
  const out = tempDir();
  const events = new Set<string>();

  const r = await runHealthcareExample(TINY, { outDir: out, onEvent: (variant, e) => events.add(`${variant}:${e.type}`) });

  assert.equal(r.interrupted, false);
  assert.deepEqual(Object.keys(r.variants), ['image-only', 'record-only', 'fused']);
  for (const v of ['image-only', 'record-only', 'fused'] as const) {
    assert.ok(events.has(`${v}:started`), `no simulation events for ${v}`);
    const sim = r.variants[v]?.simulation;
    assert.ok(sim !== undefined);
    assert.equal(sim.federated.history.length, 5);
    assert.deepEqual(sim.clientIds, ['site-0', 'site-1', 'site-2']);
    // Held-out half of each site; the fused variant's baselines are scored on it too.
    assert.deepEqual(sim.clientSizes, [30, 30, 30]);
    const baselines = v === 'fused';
    assert.deepEqual(Object.keys(sim.baselines.clientTests?.localOnly ?? {}), baselines ? sim.clientIds : []);
    assert.deepEqual(Object.keys(sim.baselines.clientTests?.pooled ?? {}), baselines ? sim.clientIds : []);
    for (const id of sim.clientIds) {
      const cell = r.variants[v]?.scores.perSite[id] ?? {};
      for (const key of baselines ? (['alone', 'federated', 'pooled'] as const) : (['federated'] as const)) {
        const x = cell[key];
        assert.ok(x !== undefined && x >= 0 && x <= 1, `${v} ${id} ${key}`);
      }
    }
    assert.ok(existsSync(join(out, v, 'model', 'model.json')), `${v}: no saved model`);
  }
  assert.match(readFileSync(join(out, 'fused', 'model', 'model.json'), 'utf8'), /Cropping2D/);

  // The summary is plain JSON.
  const summary = JSON.parse(JSON.stringify(r.summary)) as typeof r.summary;
  assert.equal(summary.variants.fused?.allSites.federated, r.variants.fused?.scores.allSites.federated);
  assert.equal(summary.variants.fused?.backend, 'cpu');

  // Both tables, every row.
  const md = r.markdown;
  assert.match(md, /## Fused model: alone vs federated vs pooled/);
  assert.match(md, /## Federated model: image-only vs record-only vs fused/);
  for (const id of ['site-0', 'site-1', 'site-2']) assert.equal(md.match(new RegExp(`^\\| ${id} \\|`, 'gm'))?.length, 3, `rows of ${id}`); // the sites table and 2 score tables
  assert.equal(md.match(/^\| all sites \(90 held-out\) \|/gm)?.length, 2);
  assert.equal(md.match(/^\| shared test set \(120\) \|/gm)?.length, 2);
  assert.match(md, /^\| site-0 \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \| [+-]\d+\.\d pp \|$/m);

  // Better than chance (and than always answering the majority class) on the sites' held-out patients.
  const fused = r.variants.fused?.scores.allSites.federated ?? 0;
  const positive = r.sites.reduce((s, x) => s + x.positiveRate * x.trainPatients, 0) / r.sites.reduce((s, x) => s + x.trainPatients, 0);
  assert.ok(fused > Math.max(0.6, positive, 1 - positive) + 0.05, `fused federated accuracy ${fused}`);
});
