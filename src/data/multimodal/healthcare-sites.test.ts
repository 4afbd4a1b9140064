/** The synthetic healthcare sites: sizes, site profiles by hand, the label rule, what each modality carries, the flat and multimodal forms. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { flatDataset, flatWidth, healthcareSites, multimodalDataset, RECORD_NAMES, RECORD_WIDTH, siteProfile, type HealthcarePatients } from './healthcare-sites.js';

/** Fraction of patients whose label is `score > 0`. */
function agreement(p: HealthcarePatients, score: (i: number) => number): number {
  let right = 0;
  for (let i = 0; i < p.length; i++) if ((score(i) > 0 ? 1 : 0) === p.labels[i]) right++;
  return right / p.length;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

test('the default sites: 4 sites of round(400 · 0.75^s) patients, 100 test patients each, 16x16 scans', () => {
  const d = healthcareSites();
  assert.deepEqual(d.sites.map((p) => p.length), [400, 300, 225, 169]);
  assert.equal(d.test.length, 400);
  assert.deepEqual(Array.from(new Set(d.test.sites)), [0, 1, 2, 3]);
  assert.equal(d.sites[0].images.length, 400 * 256);
  assert.equal(d.sites[0].records.length, 400 * RECORD_WIDTH);
});

test('site profiles follow the documented formulas (worked by hand for site 1 of 4)', () => {
  // t = 1/3: age 48 + 26/3; gain 0.8 + 0.4·frac(0.618034); offset 0.15·(frac(1.236068) − 0.5).
  const p = siteProfile(1, 4);
  assert.equal(p.id, 'site-1');
  assert.ok(Math.abs(p.meanAge - 56.6667) < 1e-4);
  assert.ok(Math.abs(p.scannerGain - 1.0472136) < 1e-6);
  assert.ok(Math.abs(p.scannerOffset - -0.0395898) < 1e-6);
  assert.equal(siteProfile(0, 1).meanAge, 61); // one site: t = 0.5
});

test('the same seed draws the same patients; another seed others', () => {
  const a = healthcareSites({ sites: 2, patientsPerSite: 30, testPatientsPerSite: 5, seed: 7 });
  const b = healthcareSites({ sites: 2, patientsPerSite: 30, testPatientsPerSite: 5, seed: 7 });
  const c = healthcareSites({ sites: 2, patientsPerSite: 30, testPatientsPerSite: 5, seed: 8 });
  assert.deepEqual(a.sites[1].images, b.sites[1].images);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.notDeepEqual(a.sites[1].records, c.sites[1].records);
});

test('without noise the diagnosis is exactly [a + b > 0]; each score alone gets about three in four right', () => {
  const d = healthcareSites({ noise: 0, seed: 3 });
  for (const p of d.sites) {
    assert.equal(agreement(p, (i) => p.lesionScores[i] + p.recordScores[i]), 1);
    const imageAlone = agreement(p, (i) => p.lesionScores[i]);
    const recordAlone = agreement(p, (i) => p.recordScores[i]);
    assert.ok(imageAlone > 0.65 && imageAlone < 0.85, `image alone ${imageAlone}`);
    assert.ok(recordAlone > 0.65 && recordAlone < 0.85, `record alone ${recordAlone}`);
  }
});

test('the record score is the documented combination of the raw record', () => {
  const p = healthcareSites({ sites: 2, patientsPerSite: 20, seed: 1 }).sites[1];
  for (let i = 0; i < p.length; i++) {
    const [age, , markerA, markerB, , , , smoker] = p.records.subarray(i * RECORD_WIDTH, (i + 1) * RECORD_WIDTH);
    const b = (0.7 * (markerA - 3)) / 1.5 + (0.45 * (markerB - 40)) / 12 + (0.35 * (age - 60)) / 9 + 0.4 * (smoker - 0.25);
    assert.ok(Math.abs(b - p.recordScores[i]) < 1e-4, `patient ${i}: ${b} vs ${p.recordScores[i]}`);
  }
});

test('the sites are non-IID: older sites have more positive diagnoses, and their ages differ', () => {
  const d = healthcareSites({ patientsPerSite: 400 });
  const positive = d.sites.map((p) => p.labels.reduce((s, y) => s + y, 0) / p.length);
  const meanAge = d.sites.map((p) => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += p.records[i * RECORD_WIDTH];
    return s / p.length;
  });
  assert.ok(positive[3] - positive[0] > 0.15, `positive rates ${positive.join(', ')}`);
  meanAge.forEach((m, s) => assert.ok(Math.abs(m - d.profiles[s].meanAge) < 2, `site ${s}: mean age ${m}`));
});

test('the lesion shows in the image: its brightness above the scanner offset grows with the lesion score', () => {
  const d = healthcareSites({ sites: 1, patientsPerSite: 300, seed: 5 });
  const p = d.sites[0];
  const S = p.imageSize;
  const mass = Array.from({ length: p.length }, (_, i) => {
    let s = 0;
    for (let k = 0; k < S * S; k++) s += p.images[i * S * S + k] - d.profiles[0].scannerOffset;
    return s;
  });
  assert.ok(pearson(mass, p.lesionScores) > 0.8);
  assert.ok(Math.abs(pearson(mass, p.recordScores)) < 0.2);
});

test('the flat form puts the pixels first, then the record scaled by the fixed reference ranges', () => {
  const p = healthcareSites({ sites: 2, patientsPerSite: 5, imageSize: 8, seed: 2 }).sites[0];
  const ds = flatDataset(p);
  const width = flatWidth(8);
  assert.equal(width, 64 + 8);
  assert.deepEqual(ds.sampleShape, [width]);
  assert.deepEqual(ds.classNames, ['negative', 'positive']);
  const i = 3;
  assert.deepEqual(ds.features.subarray(i * width, i * width + 64), p.images.subarray(i * 64, (i + 1) * 64));
  const age = p.records[i * RECORD_WIDTH];
  const markerB = p.records[i * RECORD_WIDTH + 3];
  assert.ok(Math.abs(ds.features[i * width + 64] - (age - 60) / 15) < 1e-5);
  assert.ok(Math.abs(ds.features[i * width + 64 + 3] - (markerB - 40) / 12) < 1e-5);
});

test('the multimodal form has an image [S, S, 1] and a tabular record in raw units', () => {
  const p = healthcareSites({ sites: 2, patientsPerSite: 6, imageSize: 8 }).sites[1];
  const mm = multimodalDataset(p);
  assert.equal(mm.length, 6);
  const image = mm.modalities.image;
  const record = mm.modalities.record;
  assert.ok(image.kind === 'image' && image.shape.join() === '8,8,1');
  assert.ok(record.kind === 'tabular' && record.numericNames.join() === RECORD_NAMES.join());
});

test('bad options are refused with the option named', () => {
  const bad = (opts: Parameters<typeof healthcareSites>[0], path: string): void => {
    assert.throws(() => healthcareSites(opts), (e: unknown) => e instanceof ConfigError && e.path === path);
  };
  bad({ sites: 0 }, 'sites');
  bad({ imageSize: 4 }, 'imageSize');
  bad({ noise: -1 }, 'noise');
  bad({ sites: 3, patientsPerSite: [10, 10] }, 'patientsPerSite');
  bad({ patientsPerSite: 1 }, 'patientsPerSite');
  bad({ testPatientsPerSite: 0 }, 'testPatientsPerSite');
});
