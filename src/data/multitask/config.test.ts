import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultitaskDataConfigSchema } from './config.js';

/** The paths (dotted) of the issues of a config that fails. */
function issuePaths(raw: unknown): string[] {
  const parsed = MultitaskDataConfigSchema.safeParse(raw);
  assert.equal(parsed.success, false, 'expected the config to be refused');
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
}

test('the defaults: multi-fashion, test 0.2, validation 0.1, no missing labels, the synthetic defaults', () => {
  const cfg = MultitaskDataConfigSchema.parse({});

  assert.equal(cfg.dataset, 'multi-fashion');
  assert.equal(cfg.testFraction, 0.2);
  assert.equal(cfg.validationFraction, 0.1);
  assert.deepEqual(cfg.missingLabels, {});
  assert.deepEqual(cfg.synthetic, { correlation: 0.5, samples: 12000, dimension: 100, scale: 1, sinusoids: 10 });
  assert.equal(cfg.maxTrainSamples, undefined);
});

test('field errors name the field', () => {
  assert.deepEqual(issuePaths({ dataset: 'cifar' }), ['dataset']);
  assert.deepEqual(issuePaths({ validationFraction: 1 }), ['validationFraction']);
  assert.deepEqual(issuePaths({ maxTrainSamples: 0 }), ['maxTrainSamples']);
  assert.deepEqual(issuePaths({ missingLabels: { topLeft: 1 } }), ['missingLabels.topLeft']);
  assert.deepEqual(issuePaths({ synthetic: { correlation: 2 } }), ['synthetic.correlation']);
  assert.deepEqual(issuePaths({ synthetic: { corelation: 0.2 } }), ['synthetic']);
  assert.deepEqual(issuePaths({ extra: 1 }), ['']);
});

test('csv and jsonl need a training file and targets; other datasets refuse them', () => {
  assert.deepEqual(issuePaths({ dataset: 'csv' }).sort(), ['targets', 'train']);
  assert.deepEqual(issuePaths({ dataset: 'jsonl', train: 'a.jsonl', targets: [{ column: 'y' }], delimiter: ';' }), ['delimiter']);
  assert.deepEqual(issuePaths({ dataset: 'multi-mnist', targets: [{ column: 'y' }] }), ['targets']);
  assert.deepEqual(issuePaths({ dataset: 'csv', train: 'a.csv', targets: [{ column: 'y', kind: 'ordinal' }] }), ['targets.0.kind']);

  const ok = MultitaskDataConfigSchema.parse({ dataset: 'csv', train: 'a.csv', targets: [{ column: 'y', kind: 'binary' }], delimiter: ';' });
  assert.equal(ok.targets?.[0].kind, 'binary');
});
