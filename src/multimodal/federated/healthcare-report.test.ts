/** The healthcare tables from hand-made scores: every row, the differences in points, the verdicts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthcareMarkdown, type HealthcareReportInput, type VariantScores } from './healthcare-report.js';

const site = (id: string, train: number, heldOut: number): HealthcareReportInput['sites'][number] => ({ id, trainPatients: train, heldOutPatients: heldOut, positiveRate: 0.25, meanAge: 50, scannerGain: 1, scannerOffset: 0 });

function variant(perSite: VariantScores['perSite'], allSites: VariantScores['allSites'], sharedTest: VariantScores['sharedTest'], modalities: string[]): VariantScores {
  return { modalities, perSite, allSites, sharedTest };
}

const INPUT: HealthcareReportInput = {
  title: 'T',
  description: 'D',
  sites: [site('site-0', 30, 10), site('site-1', 20, 10)],
  sharedTestPatients: 40,
  variants: {
    fused: variant({ 'site-0': { alone: 0.7, federated: 0.9, pooled: 0.95 }, 'site-1': { alone: 0.8, federated: 0.75, pooled: 0.85 } }, { alone: 0.75, federated: 0.825, pooled: 0.9 }, { alone: 0.72, federated: 0.8, pooled: 0.88 }, ['image', 'record']),
    'image-only': variant({ 'site-0': { federated: 0.6 }, 'site-1': { federated: 0.8 } }, { federated: 0.7 }, { federated: 0.65 }, ['image']),
    'record-only': variant({ 'site-0': { federated: 0.65 }, 'site-1': { federated: 0.7 } }, { federated: 0.675 }, { federated: 0.7 }, ['record']),
  },
};

test('the fused table has a row per site, all sites and the shared test set, with federated − alone in points', () => {
  const md = healthcareMarkdown(INPUT);
  assert.match(md, /\| site-0 \| 70\.0% \| 90\.0% \| 95\.0% \| \+20\.0 pp \|/);
  assert.match(md, /\| site-1 \| 80\.0% \| 75\.0% \| 85\.0% \| -5\.0 pp \|/);
  assert.match(md, /\| all sites \(20 held-out\) \| 75\.0% \| 82\.5% \| 90\.0% \| \+7\.5 pp \|/);
  assert.match(md, /\| shared test set \(40\) \| 72\.0% \| 80\.0% \| 88\.0% \| \+8\.0 pp \|/);
  assert.match(md, /Federated training beat training alone on 1 of 2 sites \(all sites: 82\.5% vs 75\.0%, \+7\.5 pp\); pooled training reached 90\.0% \(\+7\.5 pp against federated\)\./);
});

test('the modality table compares fused with the better single modality of each row', () => {
  const md = healthcareMarkdown(INPUT);
  // site-0: best single 65% (record); site-1: best single 80% (image), fused 75%.
  assert.match(md, /\| site-0 \| 60\.0% \| 65\.0% \| 90\.0% \| \+25\.0 pp \|/);
  assert.match(md, /\| site-1 \| 80\.0% \| 70\.0% \| 75\.0% \| -5\.0 pp \|/);
  assert.match(md, /\| all sites \(20 held-out\) \| 70\.0% \| 67\.5% \| 82\.5% \| \+12\.5 pp \|/);
  assert.match(md, /Fusion beat the best single modality on 1 of 2 sites \(all sites: fused 82\.5% vs image-only 70\.0%, \+12\.5 pp\)\./);
});

test('the every-variant table appears only when more than one variant has baselines; missing scores are dashes', () => {
  assert.doesNotMatch(healthcareMarkdown(INPUT), /Every variant/);
  const withImage: HealthcareReportInput = {
    ...INPUT,
    variants: { ...INPUT.variants, 'image-only': variant({ 'site-0': { alone: 0.5, federated: 0.6 }, 'site-1': { federated: 0.8 } }, { alone: 0.5, federated: 0.7 }, { federated: 0.65 }, ['image']) },
  };
  const md = healthcareMarkdown(withImage);
  assert.match(md, /## Every variant: alone \/ federated \/ pooled/);
  assert.match(md, /\| site-0 \| 50\.0% \/ 60\.0% \/ – \| 70\.0% \/ 90\.0% \/ 95\.0% \|/);
  assert.match(md, /\| site-1 \| – \/ 80\.0% \/ – \| 80\.0% \/ 75\.0% \/ 85\.0% \|/);
});

test('the sites table lists each site\'s data', () => {
  const md = healthcareMarkdown(INPUT);
  assert.match(md, /\| site-0 \| 30 \| 10 \| 25\.0% \| 50\.0 \| 1\.000 \| 0\.000 \|/);
});
